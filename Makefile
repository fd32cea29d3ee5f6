# l2tpd: userspace L2TP datapath daemon.
#
#   make demo     two hosts in namespaces joined by an L2TPv3 pseudowire through l2tpd (root)
#   make test     every unit and end-to-end test (root, installs its prerequisites)
#   make build    debug build;   make release   optimised build
#   make install  binaries (PREFIX=/usr/local, DESTDIR=)
#   make clean

SWIFT   ?= swift
PREFIX  ?= /usr/local
DESTDIR ?=
CONFIG  ?= debug

# Debian packages the build, the tests and the demo use.
APT_PACKAGES := libnl-3-dev libnl-genl-3-dev iproute2 iputils-ping tshark python3

.PHONY: all build release test demo install clean prereqs

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

release:
	$(MAKE) build CONFIG=release

test: prereqs
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest

demo: prereqs
	$(SWIFT) build -c $(CONFIG)
	BIN="$$($(SWIFT) build -c $(CONFIG) --show-bin-path)" sh Docs/examples/demo.sh

install: release
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin
	install -m 0755 "$$($(SWIFT) build -c release --show-bin-path)/l2tpd" $(DESTDIR)$(PREFIX)/sbin/l2tpd
	install -m 0755 "$$($(SWIFT) build -c release --show-bin-path)/l2tp" $(DESTDIR)$(PREFIX)/bin/l2tp

clean:
	rm -rf .build
