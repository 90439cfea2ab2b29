package dev.banger.cli.command;

import dev.banger.api.RegisterKernelRequest;
import dev.banger.cli.json.Json;
import dev.banger.cli.output.Table;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code banger kernel ...}: pull, list, show, remove and register kernels. */
@Command(name = "kernel", description = "Pull, list and manage kernels.")
public final class KernelCommand implements Runnable {
  static final String PATH = "/v1/kernels";

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static String path(String name) {
    return PATH + "/" + URLEncoder.encode(name, StandardCharsets.UTF_8);
  }

  /** {@code banger kernel pull NAME}. */
  @Command(name = "pull", description = "Pull a catalog kernel.")
  public static final class Pull implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "Catalog kernel name, e.g. debian-cloud.")
    String name;

    @Override
    public void run() {
      ImageCommand.pull(spec, PATH, name);
    }
  }

  /** {@code banger kernel ls}. */
  @Command(name = "ls", aliases = "list", description = "List kernels.")
  public static final class Ls implements Runnable {
    @Spec CommandSpec spec;
    @Mixin OutputOption output;

    @Override
    public void run() {
      output.print(RootCommand.out(spec), RootCommand.of(spec).client().get(PATH), Ls::render);
    }

    static String render(Json kernels) {
      Table t = new Table("NAME", "RELEASE", "MANAGED", "PVH", "SOURCE");
      for (Json k : kernels) {
        t.row(
            k.path("name").asString(),
            k.path("release").asString(),
            k.path("managed").asBoolean() ? "yes" : "no",
            k.path("facts").path("pvhNote").asString("?"),
            k.path("source").asString());
      }
      return t.render();
    }
  }

  /** {@code banger kernel show NAME}. */
  @Command(name = "show", aliases = "inspect", description = "Show one kernel.")
  public static final class Show implements Runnable {
    @Spec CommandSpec spec;
    @Mixin OutputOption output;

    @Parameters(paramLabel = "NAME", description = "Kernel name.")
    String name;

    @Override
    public void run() {
      output.print(
          RootCommand.out(spec),
          RootCommand.of(spec).client().get(path(name)),
          VmCommand.Show::render);
    }
  }

  /** {@code banger kernel rm NAME}. */
  @Command(name = "rm", aliases = "remove", description = "Remove a kernel.")
  public static final class Rm implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "Kernel name.")
    String name;

    @Option(
        names = {"-f", "--force"},
        description = "Remove even while images use it.")
    boolean force;

    @Override
    public void run() {
      RootCommand.of(spec).client().delete(path(name) + (force ? "?force=true" : ""));
      RootCommand.out(spec).println("removed kernel " + name);
    }
  }

  /** {@code banger kernel register NAME --kernel PATH}. */
  @Command(name = "register", description = "Register kernel files that stay where they are.")
  public static final class Register implements Runnable {
    @Spec CommandSpec spec;
    @Mixin OutputOption output;

    @Parameters(paramLabel = "NAME", description = "Name to register the kernel under.")
    String name;

    @Option(names = "--kernel", required = true, description = "ELF vmlinux or bzImage.")
    String kernel;

    @Option(names = "--initrd", description = "cpio initramfs.")
    String initrd;

    @Option(names = "--modules", description = "Modules directory (with modules.dep).")
    String modules;

    @Override
    public void run() {
      Json k =
          RootCommand.of(spec)
              .client()
              .post(
                  PATH + "/register",
                  new RegisterKernelRequest(
                      name,
                      ImageCommand.absolute(kernel),
                      ImageCommand.absolute(initrd),
                      ImageCommand.absolute(modules)));
      output.print(RootCommand.out(spec), k, VmCommand.Show::render);
    }
  }
}
