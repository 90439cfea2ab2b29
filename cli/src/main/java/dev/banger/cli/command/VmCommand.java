package dev.banger.cli.command;

import dev.banger.api.CopyRequest;
import dev.banger.api.CreateVmRequest;
import dev.banger.api.PullRequest;
import dev.banger.api.Routes;
import dev.banger.cli.CliException;
import dev.banger.cli.client.DaemonClient;
import dev.banger.cli.client.DaemonException;
import dev.banger.cli.client.HttpResponse;
import dev.banger.cli.json.Json;
import dev.banger.cli.output.Table;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code banger vm ...}: VM lifecycle commands. */
@Command(name = "vm", description = "Create, run and manage VMs.")
public final class VmCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static String path(String vm) {
    return Routes.VMS + "/" + URLEncoder.encode(vm, StandardCharsets.UTF_8);
  }

  /** {@code banger vm ls}. */
  @Command(name = "ls", aliases = "list", description = "List VMs.")
  public static final class Ls implements Runnable {
    @Spec CommandSpec spec;
    @Mixin OutputOption output;

    @Override
    public void run() {
      Json vms = RootCommand.of(spec).client().get(Routes.VMS);
      output.print(RootCommand.out(spec), vms, Ls::render);
    }

    static String render(Json vms) {
      Table t = new Table("NAME", "STATE", "IMAGE", "VMM", "CPUS", "MEMORY", "IP", "ID");
      for (Json vm : vms) {
        String state = vm.path("state").asString();
        t.row(
            vm.path("name").asString(),
            state,
            vm.path("image").asString(),
            vm.path("vmm").asString(),
            vm.path("cpus").asString(),
            vm.path("memoryMib").asString() + "M",
            vm.path("ip").asString(),
            vm.path("id").asString().substring(0, Math.min(12, vm.path("id").asString().length())));
      }
      return t.render();
    }
  }

  /** {@code banger vm show VM}. */
  @Command(name = "show", aliases = "inspect", description = "Show one VM.")
  public static final class Show implements Runnable {
    @Spec CommandSpec spec;
    @Mixin OutputOption output;

    @Parameters(paramLabel = "VM", description = "VM name or id.")
    String vm;

    @Override
    public void run() {
      Json node = RootCommand.of(spec).client().get(path(vm));
      output.print(RootCommand.out(spec), node, Show::render);
    }

    static String render(Json vm) {
      StringBuilder out = new StringBuilder();
      for (var e : vm.properties()) {
        out.append(
            String.format(
                "%-14s %s%n",
                e.getKey() + ":",
                e.getValue().isValue() ? e.getValue().asString() : e.getValue().toString()));
      }
      return out.toString();
    }
  }

  /** Options shared by {@code vm create} and {@code vm run}. */
  public static final class CreateOptions {
    @Option(names = "--name", description = "VM name (default: a generated one).")
    String name;

    @Option(names = "--cpus", description = "vCPUs, 1 to 32 (default from config).")
    Integer cpus;

    @Option(names = "--memory", description = "Memory, e.g. 512M or 2G (default from config).")
    String memory;

    @Option(names = "--disk", description = "Work disk size, e.g. 4G (default from config).")
    String disk;

    @Option(names = "--kernel", description = "Kernel name instead of the image's.")
    String kernel;

    @Option(names = "--vmm", description = "firecracker or qemu (default from config).")
    String vmm;

    CreateVmRequest request(String image, boolean start) {
      return new CreateVmRequest(
          name, image, kernel, cpus, memory == null ? null : memoryMib(memory), disk, vmm, start);
    }
  }

  /** Parses {@code --memory}: MiB, or a number with M or G. */
  static int memoryMib(String text) {
    String s = text.trim().toUpperCase(Locale.ROOT).replaceAll("I?B$", "");
    try {
      if (s.endsWith("G")) {
        return Math.toIntExact(Long.parseLong(s.substring(0, s.length() - 1)) * 1024);
      }
      return Integer.parseInt(s.endsWith("M") ? s.substring(0, s.length() - 1) : s);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new picocli.CommandLine.ParameterException(
          new picocli.CommandLine(new Object()),
          "invalid --memory '" + text + "': use MiB, or e.g. 512M or 2G");
    }
  }

  /** Makes sure the image exists, pulling it (and its kernel) with progress when it does not. */
  static void ensureImage(CommandSpec spec, String image) {
    DaemonClient client = RootCommand.of(spec).client();
    if (image != null) {
      try {
        client.get(ImageCommand.path(image));
        return;
      } catch (DaemonException e) {
        if (!"NOT_FOUND".equals(e.code())) {
          throw e;
        }
      }
    }
    Json op = client.post(ImageCommand.PATH + "/pull", new PullRequest(image));
    if (!"succeeded".equals(op.path("state").asString())) {
      OpCommand.follow(client, op.path("id").asString(), spec.commandLine().getErr());
    }
  }

  /** Waits for a started VM to be ready. */
  static Json awaitReady(CommandSpec spec, String vm) {
    return RootCommand.of(spec).client().post(path(vm) + "/wait?timeout=600", null);
  }

  /** {@code banger vm create [IMAGE]}. */
  @Command(name = "create", description = "Create a VM without starting it.")
  public static final class Create implements Runnable {
    @Spec CommandSpec spec;
    @Mixin OutputOption output;
    @Mixin CreateOptions options;

    @Parameters(paramLabel = "IMAGE", arity = "0..1", description = "Image (default from config).")
    String image;

    @Override
    public void run() {
      ensureImage(spec, image);
      Json vm = RootCommand.of(spec).client().post(Routes.VMS, options.request(image, false));
      output.print(RootCommand.out(spec), vm, n -> n.path("name").asString() + "\n");
    }
  }

  /** {@code banger vm start VM}. */
  @Command(name = "start", description = "Start a VM and wait until its guest is ready.")
  public static final class Start implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "VM", description = "VM name or id.")
    String vm;

    @Option(names = "--no-wait", description = "Return once the VMM runs, before the guest.")
    boolean noWait;

    @Override
    public void run() {
      Json started = RootCommand.of(spec).client().post(path(vm) + "/start", null);
      if (!noWait) {
        started = awaitReady(spec, vm);
      }
      RootCommand.out(spec)
          .println(started.path("name").asString() + " " + started.path("state").asString());
    }
  }

  /** {@code banger vm stop VM}. */
  @Command(name = "stop", description = "Stop a VM gracefully (force after the timeout).")
  public static final class Stop implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "VM", description = "VM name or id.")
    String vm;

    @Option(
        names = {"-t", "--timeout"},
        description = "Seconds before forcing (default 30).")
    int timeout = 30;

    @Override
    public void run() {
      Json v = RootCommand.of(spec).client().post(path(vm) + "/stop?timeout=" + timeout, null);
      RootCommand.out(spec).println(v.path("name").asString() + " " + v.path("state").asString());
    }
  }

  /** {@code banger vm restart VM}. */
  @Command(name = "restart", description = "Stop and start a VM.")
  public static final class Restart implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "VM", description = "VM name or id.")
    String vm;

    @Override
    public void run() {
      RootCommand.of(spec).client().post(path(vm) + "/restart", null);
      Json v = awaitReady(spec, vm);
      RootCommand.out(spec).println(v.path("name").asString() + " " + v.path("state").asString());
    }
  }

  /** {@code banger vm kill VM}. */
  @Command(name = "kill", description = "Kill a VM's VMM at once.")
  public static final class Kill implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "VM", description = "VM name or id.")
    String vm;

    @Override
    public void run() {
      Json v = RootCommand.of(spec).client().post(path(vm) + "/kill", null);
      RootCommand.out(spec).println(v.path("name").asString() + " " + v.path("state").asString());
    }
  }

  /** {@code banger vm rm VM...}. */
  @Command(name = "rm", aliases = "remove", description = "Remove VMs and everything they use.")
  public static final class Rm implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "VM", arity = "1..*", description = "VM names or ids.")
    List<String> vms;

    @Option(
        names = {"-f", "--force"},
        description = "Kill running VMs first.")
    boolean force;

    @Override
    public void run() {
      for (String vm : vms) {
        RootCommand.of(spec).client().delete(path(vm) + (force ? "?force=true" : ""));
        RootCommand.out(spec).println(vm);
      }
    }
  }

  /** {@code banger vm logs VM}. */
  @Command(name = "logs", description = "Print a VM's lifecycle events and serial console.")
  public static final class Logs implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "VM", description = "VM name or id.")
    String vm;

    @Option(
        names = {"-f", "--follow"},
        description = "Keep printing new output.")
    boolean follow;

    @Override
    public void run() {
      HttpResponse r =
          RootCommand.of(spec).client().send("GET", path(vm) + "/logs?follow=" + follow, null);
      try (InputStream body = r.body()) {
        body.transferTo(System.out);
        System.out.flush();
      } catch (IOException e) {
        throw new CliException("the log stream of " + vm + " broke: " + e.getMessage());
      }
    }
  }

  /** {@code banger vm exec VM -- CMD...}. */
  @Command(name = "exec", description = "Run a command in a running VM; exits with its status.")
  public static final class Exec implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VM", description = "VM name or id.")
    String vm;

    @Parameters(index = "1..*", paramLabel = "CMD", description = "The command and arguments.")
    List<String> command;

    @Option(
        names = {"-i", "--interactive"},
        description = "Send stdin to the command.")
    boolean interactive;

    @Option(
        names = {"-t", "--tty"},
        description = "Run the command on a terminal.")
    boolean tty;

    @Option(
        names = {"-u", "--user"},
        description = "Guest user (default root).")
    String user;

    @Option(
        names = {"-w", "--workdir"},
        description = "Working directory in the guest.")
    String workdir;

    @Option(
        names = {"-e", "--env"},
        description = "NAME=VALUE to set.")
    Map<String, String> env;

    @Override
    public void run() {
      if (command == null || command.isEmpty()) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "vm exec needs a command: banger vm exec VM -- CMD...");
      }
      int status =
          GuestExec.run(
              RootCommand.of(spec).client(),
              vm,
              command,
              interactive,
              tty,
              user,
              workdir,
              env == null ? Map.of() : env);
      if (status != 0) {
        throw new CliException("", status);
      }
    }
  }

  /** {@code banger vm cp SRC DST}, one side {@code VM:/path}. */
  @Command(
      name = "cp",
      description =
          "Copy files or directories between the host and a VM"
              + " (one side is VM:/path), keeping permissions.")
  public static final class Cp implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SRC", description = "Host path or VM:/path.")
    String source;

    @Parameters(index = "1", paramLabel = "DST", description = "Host path or VM:/path.")
    String destination;

    @Override
    public void run() {
      boolean toGuest = isGuest(destination);
      if (toGuest == isGuest(source)) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "exactly one side of vm cp must be VM:/path");
      }
      String guest = toGuest ? destination : source;
      String host = Path.of(toGuest ? source : destination).toAbsolutePath().toString();
      String vm = guest.substring(0, guest.indexOf(':'));
      String guestPath = guest.substring(guest.indexOf(':') + 1);
      Json r =
          RootCommand.of(spec)
              .client()
              .post(path(vm) + "/cp", new CopyRequest(toGuest, host, guestPath));
      RootCommand.out(spec).println(r.path("copied").asString());
    }

    private static boolean isGuest(String arg) {
      int colon = arg.indexOf(':');
      return colon > 0 && !arg.substring(0, colon).contains("/");
    }
  }

  /** {@code banger vm ssh VM [-- CMD...]}. */
  @Command(
      name = "ssh",
      description =
          "Open an SSH session (or run CMD) in a VM with the"
              + " system ssh client and a per-VM known_hosts file.")
  public static final class Ssh implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VM", description = "VM name or id.")
    String vm;

    @Parameters(index = "1..*", paramLabel = "CMD", description = "Command to run instead.")
    List<String> command;

    @Override
    public void run() {
      int status = ssh(spec, vm, command == null ? List.of() : command);
      if (status != 0) {
        throw new CliException("", status);
      }
    }
  }

  static int ssh(CommandSpec spec, String vm, List<String> command) {
    Json e = RootCommand.of(spec).client().get(path(vm) + "/ssh");
    List<String> argv =
        new ArrayList<>(
            List.of(
                "ssh",
                "-i",
                e.path("identityFile").asString(),
                "-o",
                "UserKnownHostsFile=" + e.path("knownHosts").asString(),
                "-o",
                "StrictHostKeyChecking=accept-new",
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "LogLevel=ERROR",
                "-p",
                e.path("port").asString(),
                e.path("user").asString() + "@" + e.path("host").asString()));
    argv.addAll(command);
    try {
      return new ProcessBuilder(argv).inheritIO().start().waitFor();
    } catch (IOException ex) {
      throw new CliException(
          "cannot run ssh: "
              + ex.getMessage()
              + "; install openssh-client, or use `banger vm exec -it "
              + vm
              + " -- bash`");
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      return 130;
    }
  }

  /** {@code banger vm run [IMAGE] [-- CMD...]}. */
  @Command(name = "run", description = "Pull, create, start and enter a VM (or run CMD in it).")
  public static final class Run implements Runnable {
    @Spec CommandSpec spec;
    @Mixin CreateOptions options;

    @Parameters(
        paramLabel = "IMAGE [-- CMD...]",
        arity = "0..*",
        description = "Image (default from config), then -- and a command.")
    List<String> positional;

    @Option(names = "--rm", description = "Remove the VM when the command or shell ends.")
    boolean remove;

    @Option(
        names = {"-d", "--detach"},
        description = "Print the VM name once ready and exit.")
    boolean detach;

    @Option(
        names = {"-i", "--interactive"},
        description = "Send stdin to CMD.")
    boolean interactive;

    @Option(
        names = {"-t", "--tty"},
        description = "Run CMD on a terminal.")
    boolean tty;

    @Override
    public void run() {
      List<String> args = positional == null ? List.of() : positional;
      List<String> original = spec.commandLine().getParseResult().originalArgs();
      int dashes = original.indexOf("--");
      int commandLength = dashes < 0 ? 0 : original.size() - dashes - 1;
      List<String> command = args.subList(args.size() - commandLength, args.size());
      List<String> before = args.subList(0, args.size() - commandLength);
      if (before.size() > 1) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "vm run takes one IMAGE; put the command after --");
      }
      String image = before.isEmpty() ? null : before.getFirst();

      ensureImage(spec, image);
      DaemonClient client = RootCommand.of(spec).client();
      Json vm = client.post(Routes.VMS, options.request(image, true));
      String name = vm.path("name").asString();
      int status;
      try {
        awaitReady(spec, name);
        if (detach) {
          RootCommand.out(spec).println(name);
          return;
        }
        status = command.isEmpty() ? ssh(spec, name, List.of()) : runCommand(client, name, command);
      } finally {
        if (remove && !detach) {
          client.delete(path(name) + "?force=true");
        }
      }
      if (status != 0) {
        throw new CliException("", status);
      }
    }

    /**
     * Runs CMD through the guest agent, or over SSH in a VM whose image has sshd but no working
     * agent (the daemon then answers NO_AGENT at once).
     */
    private int runCommand(DaemonClient client, String name, List<String> command) {
      try {
        return GuestExec.run(client, name, command, interactive, tty, null, null, Map.of());
      } catch (DaemonException e) {
        if (!"NO_AGENT".equals(e.code())) {
          throw e;
        }
        spec.commandLine().getErr().println("banger: " + e.getMessage() + "; using SSH");
        return ssh(spec, name, List.of(remoteShellCommand(command)));
      }
    }
  }

  /**
   * {@code argv} as one command line for the remote shell that ssh hands its command to, each
   * argument single-quoted so that the guest sees exactly the words the user gave.
   */
  static String remoteShellCommand(List<String> argv) {
    List<String> quoted = new ArrayList<>();
    for (String arg : argv) {
      quoted.add("'" + arg.replace("'", "'\\''") + "'");
    }
    return String.join(" ", quoted);
  }
}
