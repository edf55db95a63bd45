# sdlite: build, install, test. See README.md.
#
#   make                 build build/libsystemd.so.0 (+ .a, build-tree .pc)
#   make install         install into PREFIX (default: ./prefix); DESTDIR, LIBDIR, INCLUDEDIR,
#                        PKGCONFIGDIR honoured
#   make check           every test (what .ci/run runs)
#   make header          regenerate include/systemd/*.h after changing a src/*/ffi.rs or cbindgen/*.toml
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
EXPORTS      := $(shell sed -n 's/^ *\(sd_[a-z0-9_]*\);$$/\1/p' libsystemd.sym)
HEADERS      := $(notdir $(wildcard include/systemd/*.h))
comma        := ,

# Debian packages the tests need (reference library and header, real consumers, tools).
TEST_DEPS    := libsystemd-dev pkg-config gcc g++ strace python3 python3-systemd python3-pytest \
                python3-pip python3-venv python3-setuptools python3-wheel procps \
                liblinux-systemd-perl libffi-platypus-perl libexporter-tiny-perl libanyevent-perl util-linux \
                valgrind dbus-daemon libdbus-1-dev dbus-bin bsdutils pgbouncer irqbalance rsyslog systemd \
                s6 runit polkitd binutils

.PHONY: all rust install uninstall check test deps header clean quickstart demo

all: $(B)/$(REALNAME) $(B)/libsystemd.a $(B)/pkgconfig/libsystemd.pc

# cargo decides what is stale; the archive is its output. The archive's own rule runs cargo
# (FORCE) so that make looks at its time again afterwards: with cargo in a phony prerequisite
# instead, make kept the old time and did not relink the shared object after a source change.
rust: $(RUST_A)

$(RUST_A): FORCE
	$(CARGO) build --release --locked

.PHONY: FORCE
FORCE:

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

# The same library from cargo's debug profile (debug assertions and overflow checks on, which
# abort): tests/suites/74-debug-build.sh runs the bad-inputs program on it, so that an input
# the release build happens to survive cannot hide undefined behaviour.
DEBUG_A      := $(CURDIR)/target/debug-checks/libsdlite.a

.PHONY: debug-lib
debug-lib: $(B)/debug/$(REALNAME)

$(DEBUG_A): FORCE
	$(CARGO) build --locked --profile debug-checks

$(B)/debug/$(REALNAME): $(DEBUG_A) libsystemd.sym | $(B)
	mkdir -p $(B)/debug
	$(CC) -shared -o $@ -Wl,-soname,$(SONAME) -Wl,--version-script=libsystemd.sym \
	    $(addprefix -Wl$(comma)-u$(comma),$(EXPORTS)) -Wl,--gc-sections -nodefaultlibs $(DEBUG_A) -lc
	ln -sf $(REALNAME) $(B)/debug/$(SONAME)

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
	install -m 0644 $(addprefix include/systemd/,$(HEADERS)) $(DESTDIR)$(INCLUDEDIR)/systemd/
	sed -e 's|@prefix@|$(PREFIX)|' -e 's|@libdir@|$(LIBDIR)|' -e 's|@includedir@|$(INCLUDEDIR)|' \
	    -e 's|@version@|$(API_LEVEL)|' pkgconfig/libsystemd.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/libsystemd.pc
	@echo "installed into $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libsystemd.so \
	      $(DESTDIR)$(LIBDIR)/libsystemd.a $(addprefix $(DESTDIR)$(INCLUDEDIR)/systemd/,$(HEADERS)) \
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
# sdlite-listen: the notify-socket listener and supervisor bridge for machines without systemd
# (Rust, tools/src/listen/; built by the "command-line tools in Rust" block below).
# `make demo` (what the README's quick start ends with) runs examples/demo.sh on the installed
# library: the Perl, Python and C examples under a real systemd when root and namespaces allow,
# else under sdlite-listen. Install the listener with `make install-listener` (BINDIR).
BINDIR         ?= $(PREFIX)/bin

.PHONY: listener install-listener uninstall-listener demo

listener: $(B)/sdlite-listen

install-listener: listener
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(B)/sdlite-listen $(DESTDIR)$(BINDIR)/sdlite-listen

uninstall-listener:
	rm -f $(DESTDIR)$(BINDIR)/sdlite-listen

# --- command-line tools in Rust (issue 14): tools/, a second crate of the workspace, with std ---
# Built in a target directory of their own: they enable the library's `std` feature, which must
# never reach the archive the shared object is linked from.
TOOLS_TARGET := $(CURDIR)/target/tools
TOOLS        := sdlite-notify sdlite-listen

.PHONY: tools
tools: $(addprefix $(B)/,$(TOOLS))

$(addprefix $(B)/,$(TOOLS)): FORCE | $(B)
	$(CARGO) build --release --locked -p sdlite-tools --target-dir $(TOOLS_TARGET)
	install -m 0755 $(TOOLS_TARGET)/release/$(notdir $@) $@

# sdlite-notify goes into BINDIR with `make install`. `make install-systemd-notify` also installs
# it as BINDIR/systemd-notify, for hosts without systemd's; it refuses to replace a
# systemd-notify that is not ours (SYSTEMD_NOTIFY_FORCE=1 to replace it anyway).
SYSTEMD_NOTIFY_FORCE ?=

.PHONY: install-notify-tool uninstall-notify-tool install-systemd-notify uninstall-systemd-notify

install-notify-tool: $(B)/sdlite-notify
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(B)/sdlite-notify $(DESTDIR)$(BINDIR)/sdlite-notify

uninstall-notify-tool:
	rm -f $(DESTDIR)$(BINDIR)/sdlite-notify

install-systemd-notify: install-notify-tool
	@t=$(DESTDIR)$(BINDIR)/systemd-notify; \
	if [ -e "$$t" ] && ! cmp -s "$$t" $(B)/sdlite-notify && [ -z "$(SYSTEMD_NOTIFY_FORCE)" ]; then \
	    echo "$$t exists and is not sdlite-notify: not replacing it (SYSTEMD_NOTIFY_FORCE=1 to do so)"; exit 1; \
	fi; \
	install -m 0755 $(B)/sdlite-notify "$$t" && echo "installed $$t (sdlite-notify)"

uninstall-systemd-notify:
	@t=$(DESTDIR)$(BINDIR)/systemd-notify; \
	if [ -e "$$t" ] && cmp -s "$$t" $(B)/sdlite-notify; then rm -f "$$t"; else echo "$$t is not sdlite-notify: left alone"; fi

install: install-notify-tool
uninstall: uninstall-notify-tool
# The suites run build/sdlite-notify (42, 66) and build/sdlite-listen (40, 41, 43, examples).
check test: tools

demo: all install listener
	SDLITE_PREFIX=$(PREFIX) SDLITE_LISTEN=$(B)/sdlite-listen examples/demo.sh

install: install-listener
uninstall: uninstall-listener

# The README's first command: what a newcomer runs on a fresh machine.
quickstart: deps demo

# --- the Perl module, Systemd::Daemon (issue 12) ---
# `make install-perl` installs sdlite (`make install`) and, next to it, perl/'s pure-Perl
# Systemd::Daemon, which then loads $(LIBDIR)/libsystemd.so.0. The distribution is built out of
# the tree, in $(PERL_BUILD), from the files perl/MANIFEST lists. PERLLIBDIR (default: the
# local::lib layout, PERL5LIB=$(PREFIX)/lib/perl5), PERLMANDIR and DESTDIR are honoured.
PERL        ?= perl
PERLLIBDIR  ?= $(PREFIX)/lib/perl5
PERLMANDIR  ?= $(PREFIX)/share/man
PERL_BUILD  ?= $(B)/perl
# the module's own make runs without our command-line variables (PREFIX, LIBDIR, ...)
PERL_MAKE   := env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL $(MAKE) --no-print-directory

.PHONY: perl-module install-perl uninstall-perl

perl-module:
	rm -rf $(PERL_BUILD)
	cd perl && while read -r f; do install -D -m 0644 "$$f" "$(PERL_BUILD)/$$f" || exit 1; done < MANIFEST
	cd $(PERL_BUILD) && $(PERL) Makefile.PL SDLITE_LIBDIR=$(LIBDIR) INSTALLDIRS=site \
	    INSTALLSITELIB=$(PERLLIBDIR) INSTALLSITEARCH=$(PERLLIBDIR) \
	    INSTALLSITEMAN1DIR=$(PERLMANDIR)/man1 INSTALLSITEMAN3DIR=$(PERLMANDIR)/man3 \
	    INSTALLSITEBIN=$(BINDIR) INSTALLSITESCRIPT=$(BINDIR) NO_PACKLIST=1 NO_PERLLOCAL=1 >/dev/null
	$(PERL_MAKE) -C $(PERL_BUILD) >/dev/null

install-perl: install perl-module
	$(PERL_MAKE) -C $(PERL_BUILD) pure_install DESTDIR=$(DESTDIR)
	@echo "Systemd::Daemon installed into $(DESTDIR)$(PERLLIBDIR); it loads $(LIBDIR)/libsystemd.so.0"

uninstall-perl:
	rm -f $(DESTDIR)$(PERLLIBDIR)/Systemd/Daemon.pm \
	      $(addprefix $(DESTDIR)$(PERLLIBDIR)/Systemd/Daemon/,XS.pm Stub.pm Symbols.pm) \
	      $(DESTDIR)$(PERLMANDIR)/man3/Systemd::Daemon.3* $(DESTDIR)$(PERLMANDIR)/man3/Systemd::Daemon::*.3*
	-rmdir $(DESTDIR)$(PERLLIBDIR)/Systemd/Daemon $(DESTDIR)$(PERLLIBDIR)/Systemd 2>/dev/null

# --- Python package (issue 13) ---
# python/ is the `sdlite` package (pure Python over ctypes; `pip install ./python` needs no
# compiler). `make python-wheel` builds the platform wheel that carries this tree's library as
# sdlite/_libsdlite.so, its SONAME renamed (python/tools/bundle_library.py says why), tagged
# py3-none-manylinux_X_Y_ARCH: one wheel for every Python 3. Built with Debian's python3,
# setuptools and wheel (make deps), offline: pip wheel --no-build-isolation.
PYTHON_BUILD   ?= /usr/bin/python3
PYWHEEL_TREE   := $(B)/python/tree
PYWHEEL_DIST   := $(B)/python/dist

.PHONY: python-wheel python-test

python-wheel: $(B)/$(REALNAME)
	rm -rf $(PYWHEEL_TREE) $(PYWHEEL_DIST) && mkdir -p $(PYWHEEL_TREE) $(PYWHEEL_DIST)
	tar -C python -cf - --exclude=__pycache__ --exclude=build --exclude='*.egg-info' \
	    --exclude=_libsdlite.so . | tar -C $(PYWHEEL_TREE) -xf -
	plat=$$($(PYTHON_BUILD) python/tools/bundle_library.py $(B)/$(REALNAME) \
	        $(PYWHEEL_TREE)/src/sdlite/_libsdlite.so) && \
	cd $(PYWHEEL_TREE) && SDLITE_WHEEL_PLATFORM=$$plat $(PYTHON_BUILD) -m pip wheel -q --no-deps \
	    --no-build-isolation --no-index -w $(PYWHEEL_DIST) .
	@ls $(PYWHEEL_DIST)/*.whl

# The package's own tests and python-systemd's test_daemon.py (tests/suites/36-python-package.sh).
python-test: all
	SDLITE_ROOT=$(CURDIR) SDLITE_BUILD=$(B) tests/run-all.sh 36-python-package

# --- flake hunt (issue 9) ---
# The timing-sensitive suites (listener, supervisors and real systemd: 40 41 43 50 52 60 61 62 63 64 66) N times
# in a row under a CPU and disk load that tests/flake-hunt.sh starts and stops itself;
# FLAKE_ARGS=--check runs the whole `make check` instead.
N ?= 10
.PHONY: flake-hunt
flake-hunt: all listener
	tests/flake-hunt.sh $(FLAKE_ARGS) $(N)
