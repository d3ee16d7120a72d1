# xmpputils: small command-line tools for XMPP.
#
#   make                build the tools into build/ (build/san/ with SANITIZE=1)
#   make check          install what is missing, build, run every test
#   make demo           install what is missing, build, send a message end to end
#   make bench          measure against peers and floors (RECORD=1: bench/RESULTS.md;
#                       ROWS=agent...: only those sections, see bench/run.sh)
#   make fuzz           run every libFuzzer target FUZZ_SECONDS (60) each
#   make install        honours DESTDIR, PREFIX, BINDIR, MANDIR, SYSTEMDUSERDIR,
#                       BASHCOMPDIR, ZSHCOMPDIR, FISHCOMPDIR
#   make deb            install what is missing, build the Debian package into
#                       build/deb/ from the checkout's files, and check it

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
SYSTEMDUSERDIR ?= $(PREFIX)/lib/systemd/user
DOCDIR ?= $(PREFIX)/share/doc/xmpputils

PKGS = libstrophe expat openssl libidn libbsd-overlay jansson
# libcurl: its headers only; lib/http.c loads it on the first transfer
# (dlopen), so that no tool pays for its dependencies at every start
HEADER_PKGS = libcurl
CC ?= cc
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra
# Recursive (=): pkg-config runs when a recipe needs it, after `deps`.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) $(HEADER_PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS)) -lresolv -lm

ifeq ($(SANITIZE),1)
B = build/san
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer \
      -fno-sanitize-recover=undefined
else
B = build
SAN =
endif

# CPPFLAGS too: Debian's build passes -D_FORTIFY_SOURCE=2 there
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARN) $(CPPFLAGS) $(CFLAGS) $(SAN) \
	$(PKG_CFLAGS) -Ilib
ALL_LDFLAGS = $(LDFLAGS) $(SAN)

TOOLS = xsend xlisten xraw xroster xping xagent
UNITS = xagent.service xagent@.service xmpputils-flush.service \
	xmpputils-flush@.service xmpputils-flush.timer xmpputils-flush@.timer \
	xmpputils-alert@.service
MAN1 = $(wildcard man/*.1)
MAN5 = $(wildcard man/*.5)
MAN7 = $(wildcard man/*.7)
LIB_OBJS = buf.o text.o account.o opts.o session.o login.o delivery.o agent.o \
	signals.o logread.o loop.o timing.o inbound.o iq.o recover.o trust.o \
	outbox.o confirm.o xmlin.o stanza.o muc.o lines.o cert.o srv.o sasl.o xmlguard.o \
	proc.o jid.o roster.o place.o token.o http.o upload.o attach.o queue.o
UNIT_TESTS = test_text test_config test_lines test_sasl test_xmlguard \
	test_delivery test_outbox test_xmlin test_roster test_token \
	test_upload test_attach test_queue

BINS = $(TOOLS:%=$(B)/%)
LIBA = $(B)/libxmpputils.a

all: $(BINS) $(B)/nettool $(B)/badserver $(B)/ptyrun $(B)/rawsend \
	$(B)/forger $(B)/iqtool $(B)/agentpoke $(UNIT_TESTS:%=$(B)/%) \
	$(B)/bench/bare $(B)/bench/timeit

# the tools alone, without the tests' helpers (debian/rules builds this)
tools: $(BINS)

$(B)/lib $(B)/cmd $(B)/tests:
	mkdir -p $@

LIB_HEADERS = lib/xmpputils.h lib/session.h lib/stanza.h lib/cert.h \
	lib/sasl.h lib/srv.h lib/xmlguard.h lib/token.h

$(B)/lib/%.o: lib/%.c $(LIB_HEADERS) | $(B)/lib
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/cmd/%.o: cmd/%.c lib/xmpputils.h | $(B)/cmd
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBA): $(LIB_OBJS:%=$(B)/lib/%)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/%: $(B)/cmd/%.o $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/nettool: tests/nettool.c | $(B)/tests
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(PKG_LIBS)

$(B)/badserver: tests/badserver.c | $(B)/tests
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(PKG_LIBS)

$(B)/rawsend: tests/rawsend.c $(LIBA) | $(B)/tests
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(PKG_LIBS)

$(B)/forger: tests/forger.c $(LIBA) | $(B)/tests
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(PKG_LIBS)

$(B)/iqtool: tests/iqtool.c $(LIBA) | $(B)/tests
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(PKG_LIBS)

$(B)/agentpoke: tests/agentpoke.c | $(B)/tests
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

$(B)/ptyrun: tests/ptyrun.c | $(B)/tests
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< -lutil

$(B)/test_%: tests/unit/test_%.c tests/unit/unit.h $(LIBA)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) -o $@ $< $(LIBA) \
		$(PKG_LIBS)

$(B)/bench:
	mkdir -p $@

$(B)/bench/%: bench/%.c | $(B)/bench
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(PKG_LIBS)

# libFuzzer targets (clang), with their own ASan+UBSan build of lib/.
FUZZ_TARGETS = fuzz_config fuzz_jid fuzz_text fuzz_lines fuzz_xmlin fuzz_roster \
	fuzz_agent
FUZZ_SECONDS ?= 60
FZ = build/fuzz
FUZZ_CC = clang
FUZZ_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARN) -g -O1 \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined \
	$(PKG_CFLAGS) -Ilib

$(FZ)/lib:
	mkdir -p $@

$(FZ)/lib/%.o: lib/%.c $(LIB_HEADERS) | $(FZ)/lib
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FZ)/libxmpputils.a: $(LIB_OBJS:%=$(FZ)/lib/%)
	rm -f $@
	$(AR) rcs $@ $^

$(FZ)/fuzz_%: tests/fuzz/fuzz_%.c $(FZ)/libxmpputils.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(FZ)/libxmpputils.a $(PKG_LIBS)

fuzz-build: $(FUZZ_TARGETS:%=$(FZ)/%)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@FZ=$(FZ) tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The benchmark measures the optimized build, never the sanitized one.
bench: deps
	@$(MAKE) --no-print-directory all SANITIZE=
	@bench/run.sh $(if $(RECORD),--record)

# What the tests and the demo need from Debian; installed when run as root.
deps:
	@tests/deps.sh

check: deps
	@$(MAKE) --no-print-directory all fuzz-build
	@XU_BUILD=$(B) tests/run.sh $(TESTS)

demo: deps
	@$(MAKE) --no-print-directory all
	@XU_BUILD=$(B) tests/demo.sh

# tests/deb.sh says what it needs; the package is build/deb/*.deb.
deb:
	@tests/deb.sh

# The systemd user units run xagent and xsend where they are installed
# (BINDIR): every /usr/local/bin/ in them, the alert's inside its sh -c
# too; the man pages name the units, the tools and NEWS where they are.
# uninstall removes what install puts, from the same lists.
INSTALLED_PATHS = -e 's|/usr/local/lib/systemd/user|$(SYSTEMDUSERDIR)|g' \
	-e 's|/usr/local/bin/|$(BINDIR)/|g' \
	-e 's|/usr/local/share/doc/xmpputils|$(DOCDIR)|g'
install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
		$(DESTDIR)$(FISHCOMPDIR) $(DESTDIR)$(SYSTEMDUSERDIR) \
		$(DESTDIR)$(DOCDIR)
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)
	for m in $(MAN1) $(MAN5) $(MAN7); do \
		sed $(INSTALLED_PATHS) $$m \
		    >$(DESTDIR)$(MANDIR)/man$${m##*.}/$${m#man/} && \
		chmod 0644 $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m#man/} || \
		exit 1; \
	done
	install -m 0644 NEWS $(DESTDIR)$(DOCDIR)
	install -m 0644 completions/zsh/_xmpputils $(DESTDIR)$(ZSHCOMPDIR)
	for t in $(TOOLS); do \
		install -m 0644 completions/bash/$$t $(DESTDIR)$(BASHCOMPDIR)/$$t; \
		install -m 0644 completions/fish/$$t.fish $(DESTDIR)$(FISHCOMPDIR)/$$t.fish; \
	done
	for u in $(UNITS); do \
		sed $(INSTALLED_PATHS) systemd/$$u \
		    >$(DESTDIR)$(SYSTEMDUSERDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUSERDIR)/$$u || exit 1; \
	done

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(BINDIR)/%) \
	    $(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%) \
	    $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%) \
	    $(MAN7:man/%=$(DESTDIR)$(MANDIR)/man7/%) \
	    $(DESTDIR)$(ZSHCOMPDIR)/_xmpputils \
	    $(TOOLS:%=$(DESTDIR)$(BASHCOMPDIR)/%) \
	    $(TOOLS:%=$(DESTDIR)$(FISHCOMPDIR)/%.fish) \
	    $(UNITS:%=$(DESTDIR)$(SYSTEMDUSERDIR)/%) \
	    $(DESTDIR)$(DOCDIR)/NEWS

clean:
	rm -rf build

.PHONY: fuzz fuzz-build all tools deps check demo bench deb install uninstall \
	clean
.SECONDARY:
