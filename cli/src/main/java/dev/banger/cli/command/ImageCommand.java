package dev.banger.cli.command;

import dev.banger.api.PullRequest;
import dev.banger.api.RegisterImageRequest;
import dev.banger.cli.client.DaemonClient;
import dev.banger.cli.json.Json;
import dev.banger.cli.output.Table;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code banger image ...}: pull, list, show, remove, register and promote images. */
@Command(name = "image", description = "Pull, list and manage images.")
public final class ImageCommand implements Runnable {
  static final String PATH = "/v1/images";

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static String path(String name) {
    return PATH + "/" + URLEncoder.encode(name, StandardCharsets.UTF_8);
  }

  static String absolute(String p) {
    return p == null ? null : Path.of(p).toAbsolutePath().toString();
  }

  /** Pulls through an operation, showing its progress, and prints its final message. */
  static void pull(CommandSpec spec, String collection, String name) {
    DaemonClient client = RootCommand.of(spec).client();
    Json op = client.post(collection + "/pull", new PullRequest(name));
    Json end = OpCommand.follow(client, op.path("id").asString(), spec.commandLine().getErr());
    RootCommand.out(spec).println(end.path("message").asString());
  }

  /** {@code banger image pull NAME}. */
  @Command(name = "pull", description = "Pull a catalog image (and its kernel).")
  public static final class Pull implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "Catalog image name, e.g. debian-bookworm.")
    String name;

    @Override
    public void run() {
      pull(spec, PATH, name);
    }
  }

  /** {@code banger image ls}. */
  @Command(name = "ls", aliases = "list", description = "List images.")
  public static final class Ls implements Runnable {
    @Spec CommandSpec spec;
    @Mixin OutputOption output;

    @Override
    public void run() {
      output.print(RootCommand.out(spec), RootCommand.of(spec).client().get(PATH), Ls::render);
    }

    static String render(Json images) {
      Table t = new Table("NAME", "KERNEL", "MANAGED", "SIZE", "VERSION", "USED BY", "SOURCE");
      for (Json i : images) {
        t.row(
            i.path("name").asString(),
            i.path("kernel").asString(),
            i.path("managed").asBoolean() ? "yes" : "no",
            (i.path("sizeBytes").asLong() >> 20) + "M",
            i.path("version").asString(),
            String.valueOf(i.path("usedBy").size()),
            i.path("source").asString());
      }
      return t.render();
    }
  }

  /** {@code banger image show NAME}. */
  @Command(name = "show", aliases = "inspect", description = "Show one image.")
  public static final class Show implements Runnable {
    @Spec CommandSpec spec;
    @Mixin OutputOption output;

    @Parameters(paramLabel = "NAME", description = "Image name.")
    String name;

    @Override
    public void run() {
      output.print(
          RootCommand.out(spec),
          RootCommand.of(spec).client().get(path(name)),
          VmCommand.Show::render);
    }
  }

  /** {@code banger image rm NAME}. */
  @Command(name = "rm", aliases = "remove", description = "Remove an image.")
  public static final class Rm implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "Image name.")
    String name;

    @Option(
        names = {"-f", "--force"},
        description = "Remove even while VMs use it.")
    boolean force;

    @Override
    public void run() {
      RootCommand.of(spec).client().delete(path(name) + (force ? "?force=true" : ""));
      RootCommand.out(spec).println("removed image " + name);
    }
  }

  /** {@code banger image register}. */
  @Command(name = "register", description = "Register an image stack that stays where it is.")
  public static final class Register implements Runnable {
    @Spec CommandSpec spec;
    @Mixin OutputOption output;

    @Parameters(paramLabel = "NAME", description = "Name to register the image under.")
    String name;

    @Option(names = "--rootfs", required = true, description = "ext4 root filesystem image.")
    String rootfs;

    @Option(names = "--work-seed", description = "ext4 seed of each VM's work disk.")
    String workSeed;

    @Option(names = "--kernel", description = "Name of a registered kernel.")
    String kernelName;

    @Option(names = "--kernel-file", description = "ELF vmlinux or bzImage to register with it.")
    String kernelFile;

    @Option(names = "--initrd", description = "cpio initramfs for --kernel-file.")
    String initrd;

    @Option(names = "--modules", description = "Modules directory for --kernel-file.")
    String modules;

    @Override
    public void run() {
      Json image =
          RootCommand.of(spec)
              .client()
              .post(
                  PATH + "/register",
                  new RegisterImageRequest(
                      name,
                      absolute(rootfs),
                      absolute(workSeed),
                      kernelName,
                      absolute(kernelFile),
                      absolute(initrd),
                      absolute(modules)));
      output.print(RootCommand.out(spec), image, VmCommand.Show::render);
    }
  }

  /** {@code banger image export NAME --output FILE}. */
  @Command(name = "export", description = "Write an image as a bundle (manifest + checksums).")
  public static final class Export implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "Image name.")
    String name;

    @Option(
        names = {"-o", "--output"},
        required = true,
        description = "Bundle file to write.")
    String output;

    @Override
    public void run() {
      DaemonClient client = RootCommand.of(spec).client();
      Json op =
          client.post(path(name) + "/export", new dev.banger.api.ExportRequest(absolute(output)));
      Json end = OpCommand.follow(client, op.path("id").asString(), spec.commandLine().getErr());
      RootCommand.out(spec).println(end.path("message").asString());
    }
  }

  /** {@code banger image promote NAME}. */
  @Command(name = "promote", description = "Copy an unmanaged image into managed storage.")
  public static final class Promote implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "Image name.")
    String name;

    @Override
    public void run() {
      Json image = RootCommand.of(spec).client().post(path(name) + "/promote", null);
      RootCommand.out(spec)
          .println("promoted image " + name + " into " + image.path("rootfs").asString());
    }
  }
}
