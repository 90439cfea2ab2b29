# banger build, test, lint and coverage targets (see README.md and CONTRIBUTING.md).
JAVA_HOME ?= /usr/lib/jvm/temurin-25-jdk-amd64
export JAVA_HOME
MVN := mvn -B -q
BIN := build/bin
LIB := build/lib
CLI_OPTS := -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss1m
DAEMON_OPTS := -XX:+UseSerialGC -XX:-UsePerfData -Xmx1g

.PHONY: build jars agent launchers aot test test-java test-agent test-golden lint \
	coverage coverage-html coverage-total clean bench

build: jars agent launchers aot

jars:
	$(MVN) install -DskipTests
	rm -rf $(LIB)/banger $(LIB)/bangerd
	mkdir -p $(LIB)/banger $(LIB)/bangerd $(BIN)
	$(MVN) -pl cli dependency:copy-dependencies -DincludeScope=runtime \
		-DoutputDirectory=$(CURDIR)/$(LIB)/banger
	$(MVN) -pl daemon dependency:copy-dependencies -DincludeScope=runtime \
		-DoutputDirectory=$(CURDIR)/$(LIB)/bangerd
	cp cli/target/banger-cli-*.jar $(LIB)/banger/
	cp daemon/target/banger-daemon-*.jar $(LIB)/bangerd/
	$(JAVA_HOME)/bin/java launcher/FlattenJar.java $(LIB)/banger/*.jar $(LIB)/bangerd/*.jar
	$(MVN) dependency:copy -Dartifact=org.ow2.asm:asm:9.9 -DoutputDirectory=$(CURDIR)/build/tools
	$(JAVA_HOME)/bin/java -cp build/tools/asm-9.9.jar launcher/UpgradeBytecode.java \
		$(LIB)/banger/picocli-*.jar

agent:
	$(MAKE) -C agent OUT=$(CURDIR)/$(BIN)

launchers:
	launcher/generate banger dev.banger.cli.Main "$(CLI_OPTS)" "C1 only"
	launcher/generate bangerd dev.banger.daemon.Bangerd "$(DAEMON_OPTS)" "a bounded heap"

# Records the AOT caches with a real round trip: a daemon in a scratch state directory serves
# one `vm ls` from the CLI, then stops. Both JVMs write their cache when they exit.
aot:
	launcher/train-aot

# Java tests of every module (real QEMU boots among them), the agent's C tests and a bounded
# fuzz run, then the golden recipe's own checks: a real build read back with debugfs, and a
# boot to multi-user with sshd answering.
test: build
	$(MVN) verify
	$(MAKE) -C agent test
	$(MAKE) -C agent fuzz FUZZ_SECONDS=30
	bash images/golden/test.sh
	bash images/golden/boot-test.sh

lint:
	$(MVN) -Plint -DskipTests install
	shellcheck --severity=error scripts/*.sh launcher/generate launcher/train-aot \
		launcher/coverage-report .ci/run bench/*.sh $(wildcard images/golden/*.sh) \
		$(wildcard agent/*.sh) $(wildcard agent/tests/qemu/*.sh)

coverage: build
	$(MVN) verify -Dbanger.coverage=true
	@launcher/coverage-report coverage/target/site/jacoco-aggregate/jacoco.csv

coverage-html: coverage
	rm -rf coverage-html && cp -r coverage/target/site/jacoco-aggregate coverage-html
	@echo "coverage report: $(CURDIR)/coverage-html/index.html"

coverage-total:
	@$(MAKE) -s coverage > coverage.txt 2>&1 || (cat coverage.txt; exit 1)
	@tail -n 1 coverage.txt | awk '{print $$NF}'

# End-to-end figures (CLI round trip, VM boot, VM create, image pull, guest agent) and the JMH
# benchmarks.
# Run on an otherwise idle machine: the figures are only as steady as the host.
bench: build
	bench/cli-roundtrip.sh
	bench/vm-run.sh
	bench/image-pull.sh
	agent/bench.sh
	bench/jmh.sh

clean:
	$(MVN) clean
	rm -rf build coverage-html coverage.txt
	$(MAKE) -C agent clean
