package dev.banger.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Boots the golden Debian image under QEMU (software emulation on these machines) through the built
 * programs. One state directory for the class: the first test pulls the image and its kernel into
 * it from nothing (packages and the debootstrap result come from the shared test cache when
 * present). Every test removes the VMs it made; the last checks that nothing of them is left on the
 * host.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VmLifecycleTest {
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static Path dir;
  private static Banger banger;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("banger-vm-e2e");
    // Readable by others, so the unprivileged test can register this state's image files.
    Files.setPosixFilePermissions(
        dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    banger = new Banger(dir).timeout(1800);
  }

  @AfterAll
  static void stop() throws Exception {
    banger.close();
  }

  /** A test that stopped half-way must not leave its VM to the tests after it. */
  @org.junit.jupiter.api.AfterEach
  void removeThisTestsVms() throws Exception {
    for (String vm : List.of("e2e-cycle", "e2e-crash", "e2e-adopt", "e2e-user", "e2e-noagent")) {
      banger.run("vm", "rm", "-f", vm);
    }
  }

  private static JsonNode vm(String name) throws Exception {
    Banger.Result r = banger.run("vm", "show", name, "-o", "json");
    assertThat(r.exit()).as(r.err()).isZero();
    return JSON.readTree(r.out());
  }

  @Test
  @Order(1)
  void imagePullOnACleanStateRegistersTheImageAndItsKernel() throws Exception {
    Banger.Result r = banger.run("image", "pull", "debian-bookworm");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("image debian-bookworm", "is ready (kernel debian-cloud)");
    JsonNode image =
        JSON.readTree(banger.run("image", "show", "debian-bookworm", "-o", "json").out());
    assertThat(image.path("managed").asBoolean()).isTrue();
    assertThat(Path.of(image.path("rootfs").asString())).isRegularFile();
    JsonNode kernel =
        JSON.readTree(banger.run("kernel", "show", "debian-cloud", "-o", "json").out());
    assertThat(kernel.path("release").asString()).matches("6\\.1\\..*-cloud-amd64");
    assertThat(kernel.path("facts").path("pvhNote").asString()).isEqualTo("true");
    assertThat(Path.of(kernel.path("vmlinux").asString())).isRegularFile();
    assertThat(Path.of(kernel.path("initrd").asString())).isRegularFile();
  }

  @Test
  @Order(2)
  void vmRunRmPrintsDebianTwelveAndExitsZero() throws Exception {
    Banger.Result r = banger.run("vm", "run", "--rm", "--", "cat", "/etc/os-release");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("VERSION_ID=\"12\"", "Debian GNU/Linux 12 (bookworm)");
    assertThat(JSON.readTree(banger.run("vm", "ls", "-o", "json").out())).isEmpty();
  }

  @Test
  @Order(3)
  void vmRunPassesTheCommandsExitStatus() throws Exception {
    Banger.Result r =
        banger.run("vm", "run", "--rm", "--", "sh", "-c", "echo out; echo err >&2;" + " exit 7");

    assertThat(r.exit()).isEqualTo(7);
    assertThat(r.out()).isEqualTo("out\n");
    assertThat(r.err()).contains("err");
  }

  @Test
  @Order(4)
  void createStartSshStopStartExecRm() throws Exception {
    assertThat(banger.run("vm", "create", "--name", "e2e-cycle", "--memory", "768M").exit())
        .isZero();
    assertThat(vm("e2e-cycle").path("state").asString()).isEqualTo("created");
    // setup-host.sh installs qemu-img: a QEMU VM's root disk is an overlay, not a copy.
    assertThat(vm("e2e-cycle").path("diskStrategy").asString()).isEqualTo("qcow2-overlay");
    Path overlay =
        banger
            .stateDir()
            .resolve("vms")
            .resolve(vm("e2e-cycle").path("id").asString())
            .resolve("rootfs.qcow2");
    assertThat(Files.size(overlay)).isLessThan(4L * 1024 * 1024);

    assertThat(banger.run("vm", "start", "e2e-cycle").out()).isEqualTo("e2e-cycle running\n");
    Banger.Result ssh =
        banger.run(
            "vm",
            "ssh",
            "e2e-cycle",
            "--",
            "systemctl",
            "is-active",
            "multi-user.target",
            "ssh.service");
    assertThat(ssh.exit()).as(ssh.err()).isZero();
    assertThat(ssh.out()).isEqualTo("active\nactive\n");
    assertThat(
            banger
                .stateDir()
                .resolve("vms")
                .resolve(vm("e2e-cycle").path("id").asString())
                .resolve("known_hosts"))
        .isRegularFile();

    Banger.Result write =
        banger.run("vm", "exec", "e2e-cycle", "--", "sh", "-c", "echo kept > /root/kept && sync");
    assertThat(write.exit()).as(write.err()).isZero();

    assertThat(banger.run("vm", "stop", "e2e-cycle").out()).isEqualTo("e2e-cycle stopped\n");
    assertThat(banger.run("vm", "start", "e2e-cycle").exit()).isZero();
    Banger.Result exec =
        banger.run("vm", "exec", "e2e-cycle", "--", "sh", "-c", "hostname; cat /root/kept");
    assertThat(exec.out())
        .as("the root disk keeps what the guest wrote")
        .isEqualTo("e2e-cycle\nkept\n");
    copiesKeepPermissionsInBothDirections();
    execWithATerminalGetsATtyAndCtrlCReachesTheGuest();

    Banger.Result refused = banger.run("vm", "rm", "e2e-cycle");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("stop it first or use -f");
    assertThat(banger.run("vm", "rm", "-f", "e2e-cycle").exit()).isZero();
    assertThat(banger.run("vm", "show", "e2e-cycle").exit()).isEqualTo(1);
  }

  private static void copiesKeepPermissionsInBothDirections() throws Exception {
    Path tree = Files.createDirectories(dir.resolve("cp-in/tree"));
    Files.createDirectories(tree.resolve("sub"));
    Files.writeString(tree.resolve("run.sh"), "#!/bin/sh\necho hi\n");
    Files.setPosixFilePermissions(
        tree.resolve("run.sh"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
    Files.writeString(tree.resolve("sub/data.txt"), "data\n");
    Files.setPosixFilePermissions(
        tree.resolve("sub/data.txt"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Path file = Files.writeString(dir.resolve("cp-in/single.txt"), "single\n");

    assertThat(banger.run("vm", "cp", tree.getParent().toString(), "e2e-cycle:/root/in").exit())
        .isZero();
    assertThat(banger.run("vm", "cp", file.toString(), "e2e-cycle:/root/one.txt").exit()).isZero();
    Banger.Result modes =
        banger.run(
            "vm",
            "exec",
            "e2e-cycle",
            "--",
            "stat",
            "-c",
            "%a %n",
            "/root/in/tree/run.sh",
            "/root/in/tree/sub/data.txt",
            "/root/one.txt");
    assertThat(modes.out())
        .contains("750 /root/in/tree/run.sh", "600 /root/in/tree/sub/data.txt", "/root/one.txt");
    assertThat(banger.run("vm", "exec", "e2e-cycle", "--", "/root/in/tree/run.sh").out())
        .isEqualTo("hi\n");

    assertThat(
            banger
                .run(
                    "vm",
                    "exec",
                    "e2e-cycle",
                    "--",
                    "sh",
                    "-c",
                    "mkdir -p /root/out && echo made > /root/out/f && chmod 640 /root/out/f")
                .exit())
        .isZero();
    Path back = dir.resolve("cp-out");
    assertThat(banger.run("vm", "cp", "e2e-cycle:/root/out", back.toString()).exit()).isZero();
    assertThat(Files.readString(back.resolve("f"))).isEqualTo("made\n");
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(back.resolve("f"))))
        .isEqualTo("rw-r-----");
    Path single = dir.resolve("one-back.txt");
    assertThat(banger.run("vm", "cp", "e2e-cycle:/root/one.txt", single.toString()).exit())
        .isZero();
    assertThat(Files.readString(single)).isEqualTo("single\n");
  }

  /**
   * {@code vm exec -it} under a real pseudo-terminal (util-linux {@code script}): the command sees
   * a terminal of the local size, and a Ctrl-C typed locally interrupts the guest command.
   */
  private static void execWithATerminalGetsATtyAndCtrlCReachesTheGuest() throws Exception {
    String bin = System.getProperty("banger.bin") + "/banger";
    String env =
        "BANGER_STATE_DIR="
            + banger.stateDir()
            + " BANGER_RUNTIME_DIR="
            + banger.runtimeDir()
            + " BANGER_CONFIG_DIR="
            + banger.configDir();
    Process tty =
        new ProcessBuilder(
                "script",
                "-q",
                "-e",
                "-c",
                "stty cols 91 rows 33; env "
                    + env
                    + " "
                    + bin
                    + " vm exec -it e2e-cycle -- sh -c 'tty; stty size'",
                "/dev/null")
            .redirectErrorStream(true)
            .start();
    String out =
        new String(tty.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(tty.waitFor()).as(out).isZero();
    assertThat(out).contains("/dev/pts/").contains("33 91");

    Process sleeper =
        new ProcessBuilder(
                "script",
                "-q",
                "-e",
                "-c",
                "env "
                    + env
                    + " "
                    + bin
                    + " vm exec -it e2e-cycle -- sh -c"
                    + " 'trap \"echo got-int; exit 130\" INT; echo ready; sleep 60'",
                "/dev/null")
            .redirectErrorStream(true)
            .start();
    java.io.InputStream in = sleeper.getInputStream();
    StringBuilder seen = new StringBuilder();
    while (!seen.toString().contains("ready")) {
      int c = in.read();
      assertThat(c).as("output so far: %s", seen).isNotEqualTo(-1);
      seen.append((char) c);
    }
    // script(1) may hold typed input until the inner terminal settles, so the key is pressed
    // again until the command ends; one Ctrl-C is enough once it gets through.
    for (int i = 0; i < 20 && sleeper.isAlive(); i++) {
      sleeper.getOutputStream().write(3);
      sleeper.getOutputStream().flush();
      sleeper.waitFor(1, java.util.concurrent.TimeUnit.SECONDS);
    }
    assertThat(sleeper.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    seen.append(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    assertThat(seen.toString()).contains("got-int");
    assertThat(sleeper.exitValue()).isEqualTo(130);
  }

  @Test
  @Order(5)
  void aKilledDaemonRestartsAndReadoptsTheRunningVm() throws Exception {
    assertThat(banger.run("vm", "run", "--detach", "--name", "e2e-adopt").exit()).isZero();
    long vmmPid = vm("e2e-adopt").path("pid").asLong();
    ProcessHandle daemon = ProcessHandle.of(banger.daemonPid()).orElseThrow();

    daemon.destroyForcibly();
    daemon.onExit().get();

    JsonNode after = vm("e2e-adopt");
    assertThat(after.path("state").asString()).isEqualTo("running");
    assertThat(after.path("pid").asLong()).isEqualTo(vmmPid);
    Banger.Result exec = banger.run("vm", "exec", "e2e-adopt", "--", "cat", "/proc/version");
    assertThat(exec.exit()).as(exec.err()).isZero();
    assertThat(exec.out()).startsWith("Linux version 6.1");
    assertThat(banger.run("vm", "rm", "-f", "e2e-adopt").exit()).isZero();
  }

  @Test
  @Order(6)
  void aKilledVmmShowsTheVmCrashedWithinASecond() throws Exception {
    assertThat(banger.run("vm", "run", "--detach", "--name", "e2e-crash").exit()).isZero();
    ProcessHandle vmm = ProcessHandle.of(vm("e2e-crash").path("pid").asLong()).orElseThrow();

    vmm.destroyForcibly();
    vmm.onExit().get();
    long deadline = System.nanoTime() + 1_000_000_000L;
    String state = "";
    while (System.nanoTime() < deadline && !"crashed".equals(state)) {
      state = vm("e2e-crash").path("state").asString();
    }

    assertThat(state).isEqualTo("crashed");
    assertThat(vm("e2e-crash").path("stateReason").asString()).contains("exited unexpectedly");
    assertThat(banger.run("vm", "rm", "e2e-crash").exit()).isZero();
  }

  @Test
  @Order(7)
  void badSizesAreRefusedWithClearErrorsAndLeaveNothing() throws Exception {
    Banger.Result cpus = banger.run("vm", "create", "--cpus", "64");
    assertThat(cpus.exit()).isEqualTo(1);
    assertThat(cpus.err()).contains("invalid --cpus 64: use 1 to 32");
    assertThat(banger.run("vm", "create", "--memory", "64M").err())
        .contains("invalid --memory 64M: a VM needs at least 128M");
    assertThat(banger.run("vm", "create", "--disk", "1M").err())
        .contains("invalid --disk 1M: the work disk needs at least 64M");
    Banger.Result image = banger.run("vm", "create", "no-such-image");
    assertThat(image.err()).contains("no image named 'no-such-image'", "debian-bookworm");
    assertThat(JSON.readTree(banger.run("vm", "ls", "-o", "json").out())).isEmpty();
  }

  @Test
  @Order(8)
  void twentyCreateStartRmCyclesLeaveNothingBehind() throws Exception {
    List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String name = "e2e-leak-" + i;
      Banger.Result create = banger.run("vm", "create", "--name", name, "-o", "json");
      assertThat(create.exit()).as(create.err()).isZero();
      ids.add(JSON.readTree(create.out()).path("id").asString());
      if (i % 4 == 0) {
        assertThat(banger.run("vm", "start", "--no-wait", name).exit()).isZero();
      }
      assertThat(banger.run("vm", "rm", "-f", name).exit()).isZero();
    }

    assertThat(JSON.readTree(banger.run("vm", "ls", "-o", "json").out())).isEmpty();
    HostListing.assertNoLeftovers(banger, ids);
  }

  @Test
  @Order(9)
  void registerPromoteAndRmWhileInUse() throws Exception {
    Path content = Files.createDirectories(dir.resolve("reg-content/etc"));
    Files.writeString(content.resolve("hostname"), "registered\n");
    Path rootfs = dir.resolve("reg-rootfs.ext4");
    Process mkfs =
        new ProcessBuilder(
                "mkfs.ext4",
                "-q",
                "-F",
                "-d",
                content.getParent().toString(),
                rootfs.toString(),
                "64M")
            .inheritIO()
            .start();
    assertThat(mkfs.waitFor()).isZero();
    Path notExt4 = Files.writeString(dir.resolve("notes.txt"), "not a filesystem\n".repeat(200));

    Banger.Result bad =
        banger.run(
            "image", "register", "bad", "--rootfs", notExt4.toString(), "--kernel", "debian-cloud");
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.err()).contains(notExt4.toString());
    Banger.Result badKernel =
        banger.run(
            "image",
            "register",
            "bad",
            "--rootfs",
            rootfs.toString(),
            "--kernel-file",
            notExt4.toString());
    assertThat(badKernel.exit()).isEqualTo(1);
    assertThat(badKernel.err()).contains(notExt4.toString());
    assertThat(
            banger
                .run(
                    "image",
                    "register",
                    "bad",
                    "--rootfs",
                    dir.resolve("missing.ext4").toString(),
                    "--kernel",
                    "debian-cloud")
                .err())
        .contains("missing.ext4");
    JsonNode kernelFiles =
        JSON.readTree(banger.run("kernel", "show", "debian-cloud", "-o", "json").out());
    Banger.Result badRootfs =
        banger.run(
            "image",
            "register",
            "bad",
            "--rootfs",
            notExt4.toString(),
            "--kernel-file",
            kernelFiles.path("vmlinux").asString());
    assertThat(badRootfs.err()).contains(notExt4.toString());
    assertThat(banger.run("image", "show", "bad").exit()).isEqualTo(1);
    assertThat(banger.run("kernel", "show", "bad").exit()).as("no half registration").isEqualTo(1);

    Banger.Result reg =
        banger.run(
            "image",
            "register",
            "reg-img",
            "--rootfs",
            rootfs.toString(),
            "--kernel",
            "debian-cloud");
    assertThat(reg.exit()).as(reg.err()).isZero();
    JsonNode unmanaged = JSON.readTree(banger.run("image", "show", "reg-img", "-o", "json").out());
    assertThat(unmanaged.path("managed").asBoolean()).isFalse();
    assertThat(unmanaged.path("rootfs").asString()).isEqualTo(rootfs.toString());

    assertThat(banger.run("image", "promote", "reg-img").exit()).isZero();
    JsonNode managed = JSON.readTree(banger.run("image", "show", "reg-img", "-o", "json").out());
    assertThat(managed.path("managed").asBoolean()).isTrue();
    Path copy = Path.of(managed.path("rootfs").asString());
    assertThat(copy).startsWith(banger.stateDir()).isRegularFile();
    assertThat(Files.mismatch(copy, rootfs)).isEqualTo(-1L);

    assertThat(banger.run("vm", "create", "reg-img", "--name", "e2e-user").exit()).isZero();
    Banger.Result inUse = banger.run("image", "rm", "reg-img");
    assertThat(inUse.exit()).isEqualTo(1);
    assertThat(inUse.err()).contains("used by VMs [e2e-user]");
    Banger.Result kernelInUse = banger.run("kernel", "rm", "debian-cloud");
    assertThat(kernelInUse.err()).contains("used by images");
    assertThat(banger.run("vm", "rm", "e2e-user").exit()).isZero();
    assertThat(banger.run("image", "rm", "reg-img").exit()).isZero();
    assertThat(copy).doesNotExist();
    assertThat(rootfs).isRegularFile();
  }

  @Test
  @Order(10)
  void bundleRoundTripGivesIdenticalFilesAndABadChecksumRegistersNothing() throws Exception {
    Path served = Files.createDirectories(dir.resolve("served"));
    Path bundle = served.resolve("debian-bookworm.tar.zst");
    Banger.Result export =
        banger.run("image", "export", "debian-bookworm", "--output", bundle.toString());
    assertThat(export.exit()).as(export.err()).isZero();
    String sha = sha256(bundle);
    com.sun.net.httpserver.HttpServer http =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext(
        "/",
        ex -> {
          Path file = served.resolve(ex.getRequestURI().getPath().substring(1));
          if (!Files.isRegularFile(file)) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
          }
          ex.sendResponseHeaders(200, Files.size(file));
          try (var out = ex.getResponseBody()) {
            Files.copy(file, out);
          }
        });
    http.start();
    Path other = Files.createTempDirectory("banger-bundle-e2e");
    try (Banger clean = new Banger(other, List.of(), other.resolve("cache")).timeout(900)) {
      String url = "http://127.0.0.1:" + http.getAddress().getPort() + "/";
      Files.createDirectories(clean.configDir());
      Files.writeString(
          clean.configDir().resolve("catalog.json"),
          catalog("debian-bookworm", url + bundle.getFileName(), sha, Files.size(bundle)));

      Banger.Result pull = clean.run("image", "pull", "debian-bookworm");
      assertThat(pull.exit()).as(pull.err()).isZero();
      assertThat(pull.out()).contains("from its bundle");
      JsonNode original =
          JSON.readTree(banger.run("image", "show", "debian-bookworm", "-o", "json").out());
      JsonNode pulled =
          JSON.readTree(clean.run("image", "show", "debian-bookworm", "-o", "json").out());
      assertThat(sha256(Path.of(pulled.path("rootfs").asString())))
          .isEqualTo(sha256(Path.of(original.path("rootfs").asString())));
      assertThat(pulled.path("version").asString()).isEqualTo(original.path("version").asString());
      assertThat(pulled.path("source").asString()).startsWith("bundle: " + url);

      Files.writeString(
          clean.configDir().resolve("catalog.json"),
          catalog("tampered", url + bundle.getFileName(), "0".repeat(64), Files.size(bundle)));
      Banger.Result bad = clean.run("image", "pull", "tampered");
      assertThat(bad.exit()).isEqualTo(1);
      assertThat(bad.err()).containsIgnoringCase("sha-256");
      assertThat(clean.run("image", "show", "tampered").exit()).isEqualTo(1);
      try (Stream<Path> left = Files.list(clean.stateDir().resolve("images"))) {
        assertThat(left.map(p -> p.getFileName().toString()).toList())
            .containsExactly("debian-bookworm");
      }
    } finally {
      http.stop(0);
    }
  }

  @Test
  @Order(11)
  void anUnprivilegedUserRunsAVmWithUserModeNetworking() throws Exception {
    Path home = Files.createTempDirectory("banger-nobody");
    Files.setPosixFilePermissions(
        home, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    JsonNode image =
        JSON.readTree(banger.run("image", "show", "debian-bookworm", "-o", "json").out());
    JsonNode kernel =
        JSON.readTree(banger.run("kernel", "show", "debian-cloud", "-o", "json").out());
    List<String> asNobody =
        List.of(
            "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=" + home);
    Path cache = home.resolve("cache");
    try (Banger user = new Banger(home, asNobody, cache).timeout(900)) {
      Banger.Result k =
          user.run(
              "kernel",
              "register",
              "k",
              "--kernel",
              kernel.path("vmlinux").asString(),
              "--initrd",
              kernel.path("initrd").asString());
      org.junit.jupiter.api.Assumptions.assumeTrue(
          !k.err().contains("Permission denied"),
          "the state directory is not readable by an unprivileged user: " + k.err());
      assertThat(k.exit()).as(k.err()).isZero();
      Banger.Result img =
          user.run(
              "image",
              "register",
              "deb",
              "--rootfs",
              image.path("rootfs").asString(),
              "--kernel",
              "k");
      assertThat(img.exit()).as(img.err()).isZero();

      Banger.Result pull = user.run("image", "pull", "debian-bookworm");
      assertThat(pull.exit()).isEqualTo(1);
      assertThat(pull.err()).contains("needs root");

      Banger.Result run =
          user.run("vm", "run", "--rm", "deb", "--", "sh", "-c", "ip -4 -o addr show eth0; id -u");
      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(run.out()).contains("10.0.2.15/24").endsWith("0\n");
      assertThat(JSON.readTree(user.run("vm", "ls", "-o", "json").out())).isEmpty();
    }
  }

  @Test
  @Order(12)
  void anImageWithoutTheAgentGetsItInTheVmAndStaysUntouched() throws Exception {
    Path rootfs = goldenRootfsCopy("no-agent");
    String agent = "/usr/local/bin/banger-vsock-agent";
    String unit = "/etc/systemd/system/banger-vsock-agent.service";
    String wants = "/etc/systemd/system/multi-user.target.wants/banger-vsock-agent.service";
    debugfs(rootfs, true, "rm " + agent + "\nrm " + unit + "\nrm " + wants + "\n");
    assertThat(debugfs(rootfs, false, "stat " + agent + "\n")).contains("File not found");
    String before = sha256(rootfs);

    registerWithTheGoldenKernel("no-agent", rootfs);
    Banger.Result run =
        banger.run(
            "vm",
            "run",
            "--rm",
            "no-agent",
            "--",
            "sh",
            "-c",
            "systemctl is-active banger-vsock-agent; stat -c %a " + agent);

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo("active\n755\n");
    assertThat(sha256(rootfs)).as("the registered image is not modified").isEqualTo(before);
    assertThat(banger.run("image", "rm", "no-agent").exit()).isZero();
  }

  @Test
  @Order(13)
  void aVmWhoseAgentIsBrokenIsReadyOverSshAndRunsCommandsThere() throws Exception {
    Path rootfs = goldenRootfsCopy("broken-agent");
    // An agent that is there (so banger installs none) but exits at once, as a broken one would.
    Path script = Files.writeString(dir.resolve("broken-agent.sh"), "#!/bin/sh\nexit 1\n");
    String agent = "/usr/local/bin/banger-vsock-agent";
    debugfs(
        rootfs,
        true,
        "rm "
            + agent
            + "\ncd /usr/local/bin\nwrite "
            + script
            + " banger-vsock-agent\n"
            + "sif "
            + agent
            + " mode 0100755\n");
    registerWithTheGoldenKernel("broken-agent", rootfs);

    Banger.Result run =
        banger.run("vm", "run", "--rm", "broken-agent", "--", "echo", "it's", "over ssh");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo("it's over ssh\n");
    assertThat(run.err()).contains("no guest agent answering", "using SSH");

    Banger.Result detached =
        banger.run("vm", "run", "--detach", "--name", "e2e-noagent", "broken-agent");
    assertThat(detached.exit()).as(detached.err()).isZero();
    assertThat(vm("e2e-noagent").path("state").asString()).isEqualTo("running");
    Banger.Result exec = banger.run("vm", "exec", "e2e-noagent", "--", "true");
    assertThat(exec.exit()).isEqualTo(1);
    assertThat(exec.err()).contains("no guest agent answering", "banger vm ssh");
    Banger.Result ssh = banger.run("vm", "ssh", "e2e-noagent", "--", "hostname");
    assertThat(ssh.exit()).as(ssh.err()).isZero();
    assertThat(ssh.out()).isEqualTo("e2e-noagent\n");
    assertThat(banger.run("vm", "logs", "e2e-noagent").out()).contains("ready over SSH");
    assertThat(banger.run("vm", "rm", "-f", "e2e-noagent").exit()).isZero();
    assertThat(banger.run("image", "rm", "broken-agent").exit()).isZero();
  }

  /** A copy of the golden image's rootfs to change and register under another name. */
  private static Path goldenRootfsCopy(String name) throws Exception {
    JsonNode golden =
        JSON.readTree(banger.run("image", "show", "debian-bookworm", "-o", "json").out());
    Path rootfs = dir.resolve(name + ".ext4");
    Process copy =
        new ProcessBuilder(
                "cp", "--sparse=always", golden.path("rootfs").asString(), rootfs.toString())
            .inheritIO()
            .start();
    assertThat(copy.waitFor()).isZero();
    return rootfs;
  }

  private static void registerWithTheGoldenKernel(String name, Path rootfs) throws Exception {
    Banger.Result reg =
        banger.run(
            "image", "register", name, "--rootfs", rootfs.toString(), "--kernel", "debian-cloud");
    assertThat(reg.exit()).as(reg.err()).isZero();
  }

  private static String debugfs(Path image, boolean write, String commands) throws Exception {
    List<String> argv = new java.util.ArrayList<>(List.of("debugfs"));
    if (write) {
      argv.add("-w");
    }
    argv.addAll(List.of("-f", "-", image.toString()));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    try (var in = p.getOutputStream()) {
      in.write(commands.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  private static String catalog(String name, String url, String sha, long size) {
    return "{\"images\": [{\"name\": \""
        + name
        + "\", \"description\": \"test bundle\","
        + " \"arch\": \"x86_64\", \"sources\": {\"bundle\": {\"url\": \""
        + url
        + "\", \"sha256\": \""
        + sha
        + "\", \"size\": "
        + size
        + "}}}]}";
  }

  private static String sha256(Path file) throws Exception {
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 20];
      for (int n = in.read(buf); n > 0; n = in.read(buf)) {
        md.update(buf, 0, n);
      }
    }
    return java.util.HexFormat.of().formatHex(md.digest());
  }

  /** Lists what VMs leave on a host: TAPs, loop devices, VMM processes, sockets and files. */
  static final class HostListing {
    static void assertNoLeftovers(Banger banger, List<String> vmIds) throws Exception {
      String links = command("ip", "-o", "link", "show");
      for (String id : vmIds) {
        assertThat(links)
            .as("TAP devices")
            .doesNotContain("bgr-" + id.substring(0, 8))
            .doesNotContain("banger-vm=" + id);
      }
      assertThat(command("losetup", "-l", "-n"))
          .as("loop devices")
          .doesNotContain(banger.stateDir().toString());
      assertThat(
              ProcessHandle.allProcesses()
                  .map(p -> p.info().commandLine().orElse(""))
                  .filter(
                      c ->
                          c.contains(banger.stateDir().toString())
                              || c.contains(banger.runtimeDir().toString()))
                  .toList())
          .as("VMM processes")
          .isEmpty();
      assertThat(list(banger.stateDir().resolve("vms"))).as("VM files").isEmpty();
      assertThat(list(banger.runtimeDir().resolve("vms"))).as("VM sockets").isEmpty();
    }

    private static List<Path> list(Path dir) throws Exception {
      if (!Files.exists(dir)) {
        return List.of();
      }
      try (Stream<Path> s = Files.list(dir)) {
        return s.toList();
      }
    }

    private static String command(String... argv) throws Exception {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String out =
          new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      p.waitFor();
      return out;
    }
  }
}
