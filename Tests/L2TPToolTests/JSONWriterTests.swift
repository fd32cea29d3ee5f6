// SPDX-License-Identifier: GPL-2.0-only
// The JSON writer against iproute2 6.1's json_writer.c output (checked with `ip -j [-p] link`).

import Testing

@testable import L2TPTool

@Suite("JSON writer")
struct JSONWriterTests {
    @Test func compact() {
        var w = JSONWriter(pretty: false)
        w.startArray()
        w.startObject()
        w.name("a")
        w.unsigned(UInt32(1))
        w.name("b")
        w.string("x")
        w.name("c")
        w.null()
        w.name("d")
        w.startObject()
        w.name("e")
        w.bool(true)
        w.endObject()
        w.endObject()
        w.startObject()
        w.endObject()
        w.endArray()
        w.finish()
        #expect(w.output == #"[{"a":1,"b":"x","c":null,"d":{"e":true}},{}]"# + "\n")
    }

    @Test func pretty() {
        var w = JSONWriter(pretty: true)
        w.startArray()
        w.startObject()
        w.name("ifindex")
        w.unsigned(UInt32(1))
        w.name("flags")
        w.startArray()
        w.string("LOOPBACK")
        w.endArray()
        w.name("empty")
        w.startArray()
        w.endArray()
        w.endObject()
        w.endArray()
        w.finish()
        let expected = """
            [ {
                    "ifindex": 1,
                    "flags": [ "LOOPBACK" ],
                    "empty": [ ]
                } ]

            """
        #expect(w.output == expected)
    }

    @Test func emptyArrays() {
        var compact = JSONWriter(pretty: false)
        compact.startArray()
        compact.endArray()
        compact.finish()
        #expect(compact.output == "[]\n")
        var pretty = JSONWriter(pretty: true)
        pretty.startArray()
        pretty.endArray()
        pretty.finish()
        #expect(pretty.output == "[ ]\n")
    }

    @Test func escaping() {
        // iproute2 6.1 escapes \t \n \r \f \b \\ and "; other bytes, controls and ' included, pass.
        var w = JSONWriter(pretty: false)
        w.string("a\\b\"c'd\te\nf\rg\u{0C}h\u{08}i\u{01}j/k\u{7F}é")
        #expect(w.output == "\"a\\\\b\\\"c'd\\te\\nf\\rg\\fh\\bi\u{01}j/k\u{7F}é\"")
    }
}
