# l2tpd: userspace L2TP datapath daemon.
#
#   make demo     two hosts in namespaces joined by an L2TPv3 pseudowire through l2tpd (root)
#   make test     every unit and end-to-end test (root, installs its prerequisites)
#   make build    debug build;   make release   optimised build
#   make install  binaries, preload library, systemd unit, man pages, example configuration
#                 (PREFIX=/usr/local, SYSCONFDIR=/etc, DESTDIR=)
#   make man      regenerate the roff man pages in Docs/man from their markdown
#   make interop-kernel   l2tpd against the Linux kernel's L2TP in ../shared/rigs/kernel-vm (root,
#                 slow: not part of make test; see Docs/interop.md)
#   make clean

SWIFT   ?= swift
PYTHON  ?= python3
PREFIX  ?= /usr/local
DESTDIR ?=
CONFIG  ?= debug
SYSCONFDIR     ?= /etc
MANDIR         ?= $(PREFIX)/share/man
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system

# The man pages, generated from Docs/man/*.md by `make man` and committed.
MAN_PAGES := Docs/man/l2tpd.8 Docs/man/l2tp.8 Docs/man/l2tpd.toml.5 Docs/man/l2tpd-run.1

# Debian packages the build, the tests and the demo use.
APT_PACKAGES := libnl-3-dev libnl-genl-3-dev iproute2 iputils-ping tshark python3 python3-pip gcc pkg-config util-linux \
	systemd groff-base procps ethtool

.PHONY: all build release test demo install man clean prereqs test-prereqs

all: build

prereqs:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" -ne 0 ]; then echo "missing Debian packages:$$missing (run as root to install them)"; exit 1; fi; \
		echo "installing:$$missing"; \
		apt-get -o DPkg::Lock::Timeout=120 update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -q $$missing; \
	fi

build: prereqs
	$(SWIFT) build -c $(CONFIG)

# pyroute2, for the tests that drive l2tpd with it (PyPI first; Debian's package if pip may not install).
test-prereqs: prereqs
	@python3 -c 'import pyroute2' 2>/dev/null || python3 -m pip install --quiet pyroute2 2>/dev/null \
		|| python3 -m pip install --quiet --break-system-packages pyroute2 2>/dev/null \
		|| (DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -q python3-pyroute2)

# Installed binaries carry the Swift runtime (--static-swift-stdlib): they need libnl and libstdc++
# from the system, not the toolchain.
RELEASE_FLAGS := -c release --static-swift-stdlib

release: prereqs
	$(SWIFT) build $(RELEASE_FLAGS)

test: test-prereqs
	$(SWIFT) build
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest

demo: prereqs
	$(SWIFT) build -c $(CONFIG)
	BIN="$$($(SWIFT) build -c $(CONFIG) --show-bin-path)" sh Docs/examples/demo.sh

# The preload library is plain C: built with cc it does not pull the Swift runtime into every program
# it is preloaded into (the SwiftPM-built one does).
PRELOAD_CFLAGS ?= -O2 -fPIC -shared -Wall

# /etc/l2tpd/l2tpd.toml: a configuration with no tunnels, so the service starts; never replaced.
install: release
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/l2tpd
	bin="$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)" && \
	install -s -m 0755 "$$bin/l2tpd" $(DESTDIR)$(PREFIX)/sbin/l2tpd && \
	install -s -m 0755 "$$bin/l2tp" "$$bin/l2tpd-run" $(DESTDIR)$(PREFIX)/bin/
	$(CC) $(PRELOAD_CFLAGS) -ISources/CL2TPPreload/include -o .build/libl2tpd-preload.so \
		Sources/CL2TPPreload/preload.c Sources/CL2TPPreload/parse.c -ldl -lpthread
	install -m 0755 .build/libl2tpd-preload.so $(DESTDIR)$(PREFIX)/lib/l2tpd/libl2tpd-preload.so
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSCONFDIR)/l2tpd
	sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' Docs/dist/l2tpd.service \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/l2tpd.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/l2tpd.service
	install -m 0644 Docs/man/l2tpd.8 Docs/man/l2tp.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 Docs/man/l2tpd.toml.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 Docs/man/l2tpd-run.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 Docs/examples/l2tpd.toml $(DESTDIR)$(SYSCONFDIR)/l2tpd/l2tpd.toml.example
	[ -e $(DESTDIR)$(SYSCONFDIR)/l2tpd/l2tpd.toml ] || install -m 0644 Docs/dist/l2tpd.toml $(DESTDIR)$(SYSCONFDIR)/l2tpd/l2tpd.toml

# Regenerates every page, so a change to md2man.py reaches all of them; the output depends only on
# the markdown (ServiceUnitTests checks that the committed pages match).
man:
	@for page in $(MAN_PAGES); do \
		echo "md2man $$page.md -> $$page"; \
		$(PYTHON) Docs/man/md2man.py $$page.md $$page || exit 1; \
	done

clean:
	rm -rf .build

# make bench: l2tpd's datapath against bare veth, socat and tinc in network namespaces, heap allocations
# per packet, and a 10,000-session scale case (root; about 10 minutes; not part of make test). Installs
# iperf3 and socat (and tinc when it can: its case is skipped otherwise), builds l2tpd in release and
# appends a dated entry to Docs/benchmarks.md. Knobs, all optional: BENCH_RUNS (3), BENCH_SECONDS (5),
# BENCH_CASES (e.g. veth,socat,l2tpd-udp4,alloc,scale), BENCH_QUICK=1 (1 run of 2 s, no scale case),
# BENCH_NO_RECORD=1, BENCH_L2TPD_ARGS (extra l2tpd arguments). See Docs/benchmarks.md.
BENCH_APT_PACKAGES          := iperf3 socat
BENCH_OPTIONAL_APT_PACKAGES := tinc
BENCH_APT_INSTALL           := DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -q

.PHONY: bench
bench: prereqs
	@missing=""; \
	for p in $(BENCH_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(BENCH_APT_INSTALL) $$missing || { apt-get -o DPkg::Lock::Timeout=120 update -q && $(BENCH_APT_INSTALL) $$missing; }; \
	fi
	@for p in $(BENCH_OPTIONAL_APT_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || $(BENCH_APT_INSTALL) $$p >/dev/null 2>&1 \
			|| echo "bench: $$p cannot be installed; its case will be skipped"; \
	done
	$(SWIFT) build -c release
	BENCH_BIN="$$($(SWIFT) build -c release --show-bin-path)" CC="$(CC)" $(PYTHON) Tests/Bench/bench.py

# make interop-kernel: a release l2tpd (host side) against the kernel's L2TPv3 in the reference VM
# (../shared/rigs/kernel-vm, or KERNEL_RIG=...): a UDP pseudowire with cookies and sequence numbers
# and an IP pseudowire, pinged from the kernel's side. Prints the VM's output; l2tpd's state is in
# the rig's run directory (host-state.txt). Results are recorded in Docs/interop.md.
KERNEL_RIG ?= ../shared/rigs/kernel-vm
.PHONY: interop-kernel
interop-kernel: release
	$(KERNEL_RIG)/build.sh >&2
	L2TPD_BIN="$$(cd "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)" && pwd)" RIG_TIMEOUT=240 \
		$(KERNEL_RIG)/run.sh --host "$$(pwd)/Tests/Interop/kernel-l2tpv3-host.sh" "$$(pwd)/Tests/Interop/kernel-l2tpv3-guest.sh"
