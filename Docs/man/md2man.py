#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""md2man: turns l2tpd's manual pages, written in a small subset of pandoc's markdown, into man(7) roff.

    md2man.py PAGE.md [OUTPUT]      roff to OUTPUT (written atomically), or to standard output

The output depends only on the input text (no dates, no paths), so the committed roff can be
compared with a fresh conversion. Anything outside the subset below is an error reported as
FILE:LINE: message (status 1), never silently mis-rendered.

The subset
----------
Title block, the first three lines (pandoc's):
    % L2TPD(8) l2tpd 0.1.0 | System Manager's Manual      NAME(SECTION) FOOTER | HEADER
    %                                                      authors (ignored)
    % November 2025                                        date
Blocks, separated by blank lines:
    # NAME               .SH (the text must not contain '"')
    ## Subsection        .SS
    paragraph            lines of text, joined (filled) by the formatter
    | line               a line block: each line kept as a line; leading spaces kept (synopses)
    - item               a bullet list; continuation lines indented by two spaces
    ```                  a code block (verbatim, indented); an info string after ``` is ignored
    TERM                 a definition (.TP): one line of term, then ':' and three spaces, then
    :   body             the body; further lines, paragraphs and code blocks of the body are
                         indented by four spaces
    <!-- ... -->        a comment on lines of its own: dropped
Inline, inside paragraphs, list items, terms and headings:
    **bold**  *italic*  `literal` (bold, nothing inside it is interpreted)
    \\X                  the punctuation character X itself (\\*, \\`, \\\\, \\_, ...)
Emphasis does not nest. '*' followed by a space is a literal asterisk. '_' is never emphasis
(configuration keys are full of them). Links are not supported. Non-ASCII characters are limited
to the few in CHARACTERS below.

Roff details: every '-' becomes '\\-' (an ASCII hyphen-minus on the terminal, so options can be
copied), '\\' becomes '\\e', lines that would start with '.' or "'" get '\\&', and in literal text
the quotes and accents that groff would typeset are pinned to their ASCII glyphs.
"""

import os
import re
import sys
import tempfile

# Non-ASCII characters the pages may use, and their roff spelling.
CHARACTERS = {
    "\u2014": "\\(em",  # em dash
    "\u2013": "\\(en",  # en dash
    "\u2026": "\\&...",  # ellipsis
    "\u21c4": "<\\->",  # rightwards arrow over leftwards arrow (tunnel 42 <-> 45)
    "\u2192": "\\->",  # rightwards arrow, spelled as ASCII so every device renders it
    "\u2264": "<=",
    "\u2265": ">=",
    "\u00d7": "\\(mu",  # multiplication sign
    "\u2019": "'",
}

# Characters a backslash escapes in markdown.
PUNCTUATION = set("\\`*_{}[]()#+-.!|<>~\"'")


class MarkdownError(Exception):
    def __init__(self, line, message):
        super().__init__(message)
        self.line = line
        self.message = message


def escape(text, line, literal=False):
    """Roff for plain text: backslashes, hyphens, non-ASCII; in literal text also quotes and accents."""
    out = []
    for c in text:
        if c == "\\":
            out.append("\\e")
        elif c == "-":
            out.append("\\-")
        elif c == "\n":
            out.append(c)
        elif c == "\t":
            raise MarkdownError(line, "tab character (use spaces)")
        elif literal and c == "'":
            out.append("\\(aq")
        elif literal and c == "`":
            out.append("\\(ga")
        elif c == "~":
            out.append("\\(ti")
        elif c == "^":
            out.append("\\(ha")
        elif ord(c) < 0x20:
            raise MarkdownError(line, "control character U+%04X" % ord(c))
        elif ord(c) < 0x80:
            out.append(c)
        elif c in CHARACTERS:
            out.append(CHARACTERS[c])
        else:
            raise MarkdownError(line, "character U+%04X is not in md2man's CHARACTERS table" % ord(c))
    return "".join(out)


def inline(text, line):
    """Roff for one span of inline markdown (may contain newlines, which stay line breaks)."""
    if "](" in text:
        raise MarkdownError(line, "links are not supported")
    out = []
    font = None  # None, "B" or "I"
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in PUNCTUATION:
            out.append(escape(text[i + 1], line))
            i += 2
        elif c == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise MarkdownError(line, "unclosed `literal`")
            code = text[i + 1:end].replace("\n", " ")
            out.append("\\fB" + escape(code, line, literal=True) + "\\f" + (font or "R"))
            i = end + 1
        elif text.startswith("**", i):
            if font == "I":
                raise MarkdownError(line, "bold inside italic (emphasis does not nest)")
            if font == "B":
                out.append("\\fR")
                font = None
            elif i + 2 < n and not text[i + 2].isspace():
                out.append("\\fB")
                font = "B"
            else:
                raise MarkdownError(line, "'**' followed by a space")
            i += 2
        elif c == "*":
            if font == "I":
                out.append("\\fR")
                font = None
            elif i + 1 < n and not text[i + 1].isspace():
                if font == "B":
                    raise MarkdownError(line, "italic inside bold (emphasis does not nest)")
                out.append("\\fI")
                font = "I"
            else:
                out.append("*")
            i += 1
        else:
            out.append(escape(c, line))
            i += 1
    if font:
        raise MarkdownError(line, "unclosed %s" % ("**bold**" if font == "B" else "*italic*"))
    return "".join(out)


def text_lines(roff):
    """Splits converted text into input lines and protects those a formatter would take for requests."""
    lines = []
    for l in roff.split("\n"):
        l = l.strip(" ")
        if l.startswith(".") or l.startswith("'"):
            l = "\\&" + l
        if l:
            lines.append(l)
    return lines


class Converter:
    def __init__(self, lines):
        self.lines = lines  # list of (line number, text)
        self.out = []
        # What separates the next block from the previous one: None right after a heading (nothing),
        # ".PP" at top level, ".IP" inside a definition body.
        self.pending = None

    def separate(self, separator):
        if self.pending is not None:
            self.out.append(separator)

    def title(self):
        if len(self.lines) < 3 or not all(t.startswith("%") for _, t in self.lines[:3]):
            raise MarkdownError(1, "the page must start with a three-line title block ('% NAME(SECTION) ...')")
        number, first = self.lines[0]
        m = re.fullmatch(r"%\s+([A-Za-z0-9._-]+)\(([1-9][a-z]*)\)\s+(.*?)\s*\|\s*(.+?)\s*", first)
        if not m:
            raise MarkdownError(number, "title must be '% NAME(SECTION) FOOTER | HEADER'")
        date = self.lines[2][1][1:].strip()
        if not date:
            raise MarkdownError(self.lines[2][0], "the title block's third line must give the date")
        fields = [m.group(1).upper(), m.group(2), date, m.group(3), m.group(4)]
        for f in fields:
            if '"' in f or "\\" in f:
                raise MarkdownError(number, "title fields must not contain '\"' or '\\'")
        self.out.append(".TH " + " ".join('"%s"' % escape(f, number) for f in fields))
        # No hyphenation and a ragged right margin: option names and paths must stay whole.
        self.out.append(".nh")
        self.out.append(".ad l")
        del self.lines[:3]

    def convert(self):
        self.title()
        self.blocks(self.lines, in_definition=False)
        return self.out

    def blocks(self, lines, in_definition):
        i = 0
        while i < len(lines):
            number, text = lines[i]
            if not text.strip():
                i += 1
            elif text.startswith("<!--"):
                while "-->" not in lines[i][1]:
                    i += 1
                    if i == len(lines):
                        raise MarkdownError(number, "unclosed comment")
                if not lines[i][1].rstrip().endswith("-->"):
                    raise MarkdownError(lines[i][0], "text after the end of a comment")
                i += 1
            elif text.startswith("```"):
                i = self.code(lines, i, in_definition)
            elif text.startswith("#"):
                if in_definition:
                    raise MarkdownError(number, "heading inside a definition")
                i = self.heading(lines, i)
            elif text.startswith("|"):
                if in_definition:
                    raise MarkdownError(number, "line block inside a definition")
                i = self.line_block(lines, i)
            elif text.startswith("- "):
                if in_definition:
                    raise MarkdownError(number, "list inside a definition")
                i = self.bullets(lines, i)
            elif text.startswith(" "):
                raise MarkdownError(number, "unexpected indentation")
            elif text.startswith(":"):
                raise MarkdownError(number, "definition without a term")
            else:
                i = self.paragraph_or_definition(lines, i, in_definition)

    def heading(self, lines, i):
        number, text = lines[i]
        m = re.fullmatch(r"(#{1,2}) (\S.*?)\s*", text)
        if not m:
            raise MarkdownError(number, "headings are '# TEXT' or '## TEXT'")
        if '"' in m.group(2):
            raise MarkdownError(number, "'\"' in a heading")
        macro = ".SH " if len(m.group(1)) == 1 else ".SS "
        self.out.append(macro + inline(m.group(2), number))
        self.pending = None
        return i + 1

    def code(self, lines, i, in_definition):
        number, fence = lines[i]
        if fence.strip() != "```" and not re.fullmatch(r"```[A-Za-z0-9_+-]+\s*", fence):
            raise MarkdownError(number, "a code fence is ``` with an optional one-word info string")
        body = []
        i += 1
        while True:
            if i == len(lines):
                raise MarkdownError(number, "unclosed code block")
            n, t = lines[i]
            if t.rstrip() == "```":
                break
            body.append((n, t.rstrip()))
            i += 1
        if not body:
            raise MarkdownError(number, "empty code block")
        self.separate(".IP" if in_definition else ".PP")
        # Four ens right of the text around it: at top level the margin, in a definition body the
        # body's indentation (.TP's default of 7n, which these pages never change).
        self.out.append(".RS 4" if not in_definition else ".RS 11")
        self.out.append(".nf")
        for n, t in body:
            roff = escape(t, n, literal=True)
            if roff.startswith(".") or roff.startswith("'"):
                roff = "\\&" + roff
            self.out.append(roff if roff else "\\&")
        self.out.append(".fi")
        self.out.append(".RE")
        self.pending = True
        return i + 1

    def line_block(self, lines, i):
        self.separate(".PP")
        first = True
        while i < len(lines) and lines[i][1].startswith("|"):
            number, text = lines[i]
            if text != "|" and not text.startswith("| "):
                raise MarkdownError(number, "a line block line is '| ' and the text")
            content = text[2:]
            stripped = content.lstrip(" ")
            roff = "\\ " * (len(content) - len(stripped)) + inline(stripped, number)
            if not first:
                self.out.append(".br")
            if roff.startswith(".") or roff.startswith("'"):
                roff = "\\&" + roff
            self.out.append(roff if roff else "\\&")
            first = False
            i += 1
        self.pending = True
        return i

    def bullets(self, lines, i):
        while i < len(lines):
            number, text = lines[i]
            if not text.startswith("- "):
                break
            item = [text[2:]]
            i += 1
            while i < len(lines) and lines[i][1].startswith("  ") and lines[i][1].strip():
                item.append(lines[i][1][2:])
                i += 1
            self.out.append(".IP \\(bu 2")
            self.out.extend(text_lines(inline("\n".join(item), number)))
            # Items may be separated by one blank line; the list ends at anything else.
            if i + 1 < len(lines) and not lines[i][1].strip() and lines[i + 1][1].startswith("- "):
                i += 1
        self.pending = True
        return i

    def paragraph_or_definition(self, lines, i, in_definition):
        number = lines[i][0]
        para = []
        while i < len(lines) and lines[i][1].strip():
            t = lines[i][1]
            if t.startswith(":"):
                break
            if t.startswith("```") or t.startswith("- ") or t.startswith("#") or t.startswith("|"):
                raise MarkdownError(lines[i][0], "a block must be separated from a paragraph by a blank line")
            para.append(t)
            i += 1
        if i < len(lines) and lines[i][1].startswith(":"):
            if in_definition:
                raise MarkdownError(lines[i][0], "definition inside a definition")
            if len(para) != 1:
                raise MarkdownError(number, "a definition's term is exactly one line")
            return self.definition(lines, i, para[0], number)
        self.separate(".IP" if in_definition else ".PP")
        self.out.extend(text_lines(inline("\n".join(para), number)))
        self.pending = True
        return i

    def definition(self, lines, i, term, term_number):
        number, text = lines[i]
        if not text.startswith(":   ") or not text[4:].strip():
            raise MarkdownError(number, "a definition starts with ':' and three spaces, then text")
        body = [(number, text[4:])]
        i += 1
        while i < len(lines):
            n, t = lines[i]
            if t.startswith("    "):
                body.append((n, t[4:]))
            elif not t.strip():
                # A blank line continues the body only if indented text follows.
                j = i
                while j < len(lines) and not lines[j][1].strip():
                    j += 1
                if j == len(lines) or not lines[j][1].startswith("    "):
                    break
                body.append((n, ""))
            else:
                break
            i += 1
        self.out.append(".TP")
        self.out.extend(text_lines(inline(term, term_number)))
        self.pending = None  # the body's first paragraph follows the term directly
        self.blocks(body, in_definition=True)
        self.pending = True
        return i


def convert(text, name):
    """The roff page for markdown `text`; `name` is the source file's name for the header comment."""
    if not text.endswith("\n"):
        raise MarkdownError(text.count("\n") + 1, "the file must end with a newline")
    lines = [(n + 1, l) for n, l in enumerate(text.split("\n")[:-1])]
    for n, l in lines:
        if l != l.rstrip():
            raise MarkdownError(n, "trailing whitespace")
    roff = Converter(lines).convert()
    header = [
        '.\\" Generated by Docs/man/md2man.py from %s: do not edit; change the markdown and run `make man`.'
        % name,
    ]
    return "\n".join(header + roff) + "\n"


def main(argv):
    if len(argv) not in (2, 3) or argv[1].startswith("-"):
        sys.stderr.write("usage: md2man.py PAGE.md [OUTPUT]\n")
        return 2
    source = argv[1]
    try:
        with open(source, encoding="utf-8") as f:
            text = f.read()
        roff = convert(text, os.path.basename(source))
    except MarkdownError as e:
        sys.stderr.write("%s:%d: %s\n" % (source, e.line, e.message))
        return 1
    except (OSError, UnicodeDecodeError) as e:
        sys.stderr.write("%s: %s\n" % (source, e))
        return 1
    if len(argv) == 2:
        sys.stdout.write(roff)
        return 0
    target = argv[2]
    directory = os.path.dirname(os.path.abspath(target))
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".md2man-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(roff)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
