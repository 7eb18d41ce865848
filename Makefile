# smtp-sentinel - every entry point: make, make run, make test, make bench,
# make install, make check.
#
#   make            build BPF objects, skeletons, sentineld and the test tools
#   make run        install missing packages, build, run sentineld in the
#                   foreground with the shipped config (needs root)
#   make test       install missing packages, unit tests under ASan/UBSan,
#                   then the root integration tests with real BPF
#   make bench      connect() overhead with and without sentineld attached
#   make check      cppcheck and clang-tidy
#   make install    PREFIX=/usr/local DESTDIR=

VERSION := 0.1.0
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR ?=

BUILD := build
CC ?= cc
CLANG ?= clang
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)

# BPF: compile against the UAPI headers (see the comment at the top of
# bpf/sentinel.bpf.c for why no vmlinux.h is needed).
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/')
MULTIARCH := $(shell gcc -print-multiarch 2>/dev/null || gcc -dumpmachine)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) \
	-I/usr/include/$(MULTIARCH) -Ibpf -Wall -Wextra -Werror

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS)
ALL_CPPFLAGS := -D_GNU_SOURCE -DSENTINEL_VERSION=\"$(VERSION)\" \
	-Ibpf -Iuserspace -I$(BUILD) $(CPPFLAGS)
LDLIBS := -lbpf -lelf -lz -lmicrohttpd -linih

SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer

DAEMON_SRCS := $(wildcard userspace/*.c)
DAEMON_OBJS := $(DAEMON_SRCS:userspace/%.c=$(BUILD)/%.o)
SAN_OBJS := $(DAEMON_SRCS:userspace/%.c=$(BUILD)/san/%.o)
SKEL := $(BUILD)/sentinel.skel.h
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/san/%,$(wildcard tests/unit/test_*.c))

.DELETE_ON_ERROR:
.PHONY: all run test unit integration bench check install uninstall deps clean

all: $(BUILD)/sentineld $(BUILD)/flowgen

$(BUILD) $(BUILD)/san:
	mkdir -p $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c bpf/sentinel.h | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst .,_,$*)_bpf > $@

$(BUILD)/%.o: userspace/%.c $(wildcard userspace/*.h) bpf/sentinel.h $(SKEL) | $(BUILD)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/sentineld: $(DAEMON_OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/flowgen: tests/integration/flowgen.c | $(BUILD)
	$(CC) $(ALL_CFLAGS) -o $@ $<

# The test build: everything again under ASan and UBSan.
$(BUILD)/san/%.o: userspace/%.c $(wildcard userspace/*.h) bpf/sentinel.h $(SKEL) | $(BUILD)/san
	$(CC) $(ALL_CPPFLAGS) -std=gnu11 $(WARN) $(SAN_FLAGS) -c $< -o $@

$(BUILD)/san/sentineld: $(SAN_OBJS)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

# A unit test links every module except the daemon's main.
$(BUILD)/san/test_%: tests/unit/test_%.c $(filter-out $(BUILD)/san/sentineld.o,$(SAN_OBJS))
	$(CC) $(ALL_CPPFLAGS) -std=gnu11 $(WARN) $(SAN_FLAGS) -o $@ $^ $(LDLIBS) -lcmocka

deps:
	@scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/sentineld -c scripts/sentinel.conf

test: deps
	@$(MAKE) --no-print-directory all $(BUILD)/san/sentineld $(UNIT_TESTS)
	@tests/run.sh $(UNIT_TESTS)

bench: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/connect_bench.sh

check: $(SKEL)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE \
		-Ibpf -Iuserspace userspace tools tests/unit tests/integration
	clang-tidy --quiet $(DAEMON_SRCS) tests/integration/flowgen.c -- \
		$(ALL_CPPFLAGS) -std=gnu11

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(SYSCONFDIR)/smtp-sentinel \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 0755 $(BUILD)/sentineld $(DESTDIR)$(PREFIX)/sbin/sentineld
	test -e $(DESTDIR)$(SYSCONFDIR)/smtp-sentinel/sentinel.conf || \
		install -m 0644 scripts/sentinel.conf $(DESTDIR)$(SYSCONFDIR)/smtp-sentinel/sentinel.conf
	install -m 0644 userspace/sentineld.8 $(DESTDIR)$(PREFIX)/share/man/man8/sentineld.8
	install -m 0644 userspace/sentinel.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/sentinel.conf.5
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		scripts/smtp-sentinel.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/smtp-sentinel.service

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/sentineld \
		$(DESTDIR)$(PREFIX)/share/man/man8/sentineld.8 \
		$(DESTDIR)$(PREFIX)/share/man/man5/sentinel.conf.5 \
		$(DESTDIR)$(PREFIX)/lib/systemd/system/smtp-sentinel.service

clean:
	rm -rf $(BUILD)
