# l2tpd: userspace L2TP datapath daemon.
#
#   make demo     two hosts in namespaces joined by an L2TPv3 pseudowire through l2tpd (root)
#   make test     every unit and end-to-end test (root, installs its prerequisites)
#   make build    debug build;   make release   optimised build
#   make install  binaries and the preload library (PREFIX=/usr/local, DESTDIR=)
#   make clean

SWIFT   ?= swift
PREFIX  ?= /usr/local
DESTDIR ?=
CONFIG  ?= debug

# Debian packages the build, the tests and the demo use.
APT_PACKAGES := libnl-3-dev libnl-genl-3-dev iproute2 iputils-ping tshark python3 python3-pip gcc pkg-config util-linux

.PHONY: all build release test demo install clean prereqs test-prereqs

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

release:
	$(MAKE) build CONFIG=release

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

install: release
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/l2tpd
	install -m 0755 "$$($(SWIFT) build -c release --show-bin-path)/l2tpd" $(DESTDIR)$(PREFIX)/sbin/l2tpd
	install -m 0755 "$$($(SWIFT) build -c release --show-bin-path)/l2tp" $(DESTDIR)$(PREFIX)/bin/l2tp
	install -m 0755 "$$($(SWIFT) build -c release --show-bin-path)/l2tpd-run" $(DESTDIR)$(PREFIX)/bin/l2tpd-run
	$(CC) $(PRELOAD_CFLAGS) -ISources/CL2TPPreload/include -o .build/libl2tpd-preload.so Sources/CL2TPPreload/preload.c -ldl -lpthread
	install -m 0755 .build/libl2tpd-preload.so $(DESTDIR)$(PREFIX)/lib/l2tpd/libl2tpd-preload.so

clean:
	rm -rf .build
