# sdlite: build, install, test. See README.md.
#
#   make                 build build/libsystemd.so.0 (+ .a, build-tree .pc)
#   make install         install into PREFIX (default: ./prefix); DESTDIR, LIBDIR, INCLUDEDIR,
#                        PKGCONFIGDIR honoured
#   make check           every test (what .ci/run runs)
#   make header          regenerate include/systemd/sd-daemon.h after changing src/ffi.rs
#   make quickstart      deps, build, install, and the demo

PREFIX       ?= $(CURDIR)/prefix
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR      ?=
CC           ?= cc
CARGO        ?= cargo

# The systemd API level we match (libsystemd 252) and the matching file version of its soname.
API_LEVEL    := 252
SONAME       := libsystemd.so.0
REALNAME     := libsystemd.so.0.35.0

B            := $(CURDIR)/build
RUST_A       := $(CURDIR)/target/release/libsdlite.a
EXPORTS      := $(shell sed -n 's/^ *\(sd_[a-z_]*\);$$/\1/p' libsystemd.sym)
comma        := ,

# Debian packages the tests need (reference library and header, real consumers, tools).
TEST_DEPS    := libsystemd-dev pkg-config gcc g++ strace python3 python3-systemd python3-pytest \
                liblinux-systemd-perl libffi-platypus-perl libanyevent-perl util-linux \
                valgrind dbus-daemon libdbus-1-dev

.PHONY: all rust install uninstall check test deps header clean quickstart demo

all: $(B)/$(REALNAME) $(B)/libsystemd.a $(B)/pkgconfig/libsystemd.pc

# cargo decides what is stale; the archive is its output.
rust:
	$(CARGO) build --release --locked

$(RUST_A): rust

# The shared object is linked here rather than by cargo: a cdylib cannot put rustc's exports
# into libsystemd's version nodes. -u pulls each exported symbol (and only what it needs) out
# of the archive; the version script makes everything else local. No default libs: the Rust
# side is no_std and needs no libgcc, so only libc.so.6 is NEEDED. The unstripped twin keeps
# local symbol names for tests/suites/10-abi.sh (no panic machinery may be linked in).
$(B)/$(REALNAME): $(RUST_A) libsystemd.sym | $(B)
	$(CC) -shared -o $(B)/libsystemd-unstripped.so -Wl,-soname,$(SONAME) -Wl,--version-script=libsystemd.sym \
	    $(addprefix -Wl$(comma)-u$(comma),$(EXPORTS)) \
	    -Wl,--gc-sections -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack -Wl,--as-needed \
	    -nodefaultlibs $(RUST_A) -lc
	strip -o $@ $(B)/libsystemd-unstripped.so
	ln -sf $(REALNAME) $(B)/$(SONAME)
	ln -sf $(SONAME) $(B)/libsystemd.so

# For static linking: one relocatable object holding what the exports need, every other
# symbol made local so it cannot clash with the program's own. The LLVM bitcode sections
# rustc leaves in are dropped: GNU ar's plugin chokes on them and no linker needs them.
$(B)/libsystemd.a: $(RUST_A) libsystemd.sym | $(B)
	$(CC) -r -nostdlib -o $(B)/sdlite.o $(addprefix -Wl$(comma)-u$(comma),$(EXPORTS)) \
	    -Wl,--gc-sections $(RUST_A)
	printf '%s\n' $(EXPORTS) > $(B)/exports.txt
	objcopy --keep-global-symbols=$(B)/exports.txt --strip-debug --strip-unneeded \
	    --remove-section=.llvmbc --remove-section=.llvmcmd $(B)/sdlite.o
	rm -f $@ && ar rcs $@ $(B)/sdlite.o

$(B)/pkgconfig/libsystemd.pc: pkgconfig/libsystemd.pc.in | $(B)
	mkdir -p $(B)/pkgconfig
	sed -e 's|@prefix@|$(B)|' -e 's|@libdir@|$(B)|' -e 's|@includedir@|$(CURDIR)/include|' \
	    -e 's|@version@|$(API_LEVEL)|' $< > $@

$(B):
	mkdir -p $(B)

install: all
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/systemd $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(B)/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(REALNAME)
	ln -sf $(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libsystemd.so
	install -m 0644 $(B)/libsystemd.a $(DESTDIR)$(LIBDIR)/libsystemd.a
	install -m 0644 include/systemd/sd-daemon.h $(DESTDIR)$(INCLUDEDIR)/systemd/sd-daemon.h
	sed -e 's|@prefix@|$(PREFIX)|' -e 's|@libdir@|$(LIBDIR)|' -e 's|@includedir@|$(INCLUDEDIR)|' \
	    -e 's|@version@|$(API_LEVEL)|' pkgconfig/libsystemd.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/libsystemd.pc
	@echo "installed into $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libsystemd.so \
	      $(DESTDIR)$(LIBDIR)/libsystemd.a $(DESTDIR)$(INCLUDEDIR)/systemd/sd-daemon.h \
	      $(DESTDIR)$(PKGCONFIGDIR)/libsystemd.pc

# Installs missing Debian packages only, so repeated runs cost nothing.
deps:
	@missing=$$(for p in $(TEST_DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing: $$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

header:
	SDLITE_UPDATE_HEADER=1 $(CARGO) build --release --locked

check test: deps all
	SDLITE_ROOT=$(CURDIR) SDLITE_BUILD=$(B) tests/run-all.sh

clean:
	rm -rf $(B) target

# --- examples, listener and demo (issue 4) ---
# sdlite-listen: the notify-socket listener for machines without systemd (only libc, not sdlite).
# `make demo` (what the README's quick start ends with) runs examples/demo.sh on the installed
# library: the Perl, Python and C examples under a real systemd when root and namespaces allow,
# else under sdlite-listen. Install the listener with `make install-listener` (BINDIR).
BINDIR         ?= $(PREFIX)/bin
LISTEN_CFLAGS  ?= -std=gnu11 -O2 -Wall -Wextra -D_FORTIFY_SOURCE=2 -fstack-protector-strong

.PHONY: listener install-listener uninstall-listener demo

listener: $(B)/sdlite-listen

$(B)/sdlite-listen: tools/sdlite-listen.c | $(B)
	$(CC) $(LISTEN_CFLAGS) -o $@ $< -Wl,-z,relro -Wl,-z,now

install-listener: listener
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(B)/sdlite-listen $(DESTDIR)$(BINDIR)/sdlite-listen

uninstall-listener:
	rm -f $(DESTDIR)$(BINDIR)/sdlite-listen

demo: all install listener
	SDLITE_PREFIX=$(PREFIX) SDLITE_LISTEN=$(B)/sdlite-listen examples/demo.sh

install: install-listener
uninstall: uninstall-listener

# The README's first command: what a newcomer runs on a fresh machine.
quickstart: deps demo

# --- flake hunt (issue 9) ---
# The timing-sensitive suites (40 50 52 60 61) N times in a row under a CPU and disk load that
# tests/flake-hunt.sh starts and stops itself; FLAKE_ARGS=--check runs the whole `make check`.
N ?= 10
.PHONY: flake-hunt
flake-hunt: all listener
	tests/flake-hunt.sh $(FLAKE_ARGS) $(N)
