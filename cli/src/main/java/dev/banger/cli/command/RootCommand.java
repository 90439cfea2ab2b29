package dev.banger.cli.command;

import dev.banger.api.Locations;
import dev.banger.cli.client.DaemonClient;
import dev.banger.cli.client.DaemonLauncher;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code banger} command: its subcommands and the daemon client they share. */
@Command(
    name = "banger",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.ClientVersion.class,
    description = "docker run for microVMs: pull, boot and use real Linux VMs.")
public final class RootCommand implements Runnable {
  /** Every command below {@code banger}, registered lazily (see {@link CommandTree}). */
  public static final CommandTree TREE =
      CommandTree.branch(
          RootCommand.class,
          RootCommand::new,
          CommandTree.leaf(VersionCommand.class, VersionCommand::new),
          CommandTree.branch(
              DaemonCommand.class,
              DaemonCommand::new,
              CommandTree.leaf(DaemonCommand.Start.class, DaemonCommand.Start::new),
              CommandTree.leaf(DaemonCommand.Stop.class, DaemonCommand.Stop::new),
              CommandTree.leaf(DaemonCommand.Status.class, DaemonCommand.Status::new),
              CommandTree.leaf(DaemonCommand.Logs.class, DaemonCommand.Logs::new)),
          CommandTree.leaf(DoctorCommand.class, DoctorCommand::new),
          CommandTree.branch(
              VmCommand.class,
              VmCommand::new,
              CommandTree.leaf(VmCommand.Run.class, VmCommand.Run::new),
              CommandTree.leaf(VmCommand.Create.class, VmCommand.Create::new),
              CommandTree.leaf(VmCommand.Start.class, VmCommand.Start::new),
              CommandTree.leaf(VmCommand.Stop.class, VmCommand.Stop::new),
              CommandTree.leaf(VmCommand.Restart.class, VmCommand.Restart::new),
              CommandTree.leaf(VmCommand.Kill.class, VmCommand.Kill::new),
              CommandTree.leaf(VmCommand.Rm.class, VmCommand.Rm::new),
              CommandTree.leaf(VmCommand.Ls.class, VmCommand.Ls::new),
              CommandTree.leaf(VmCommand.Show.class, VmCommand.Show::new),
              CommandTree.leaf(VmCommand.Logs.class, VmCommand.Logs::new),
              CommandTree.leaf(VmCommand.Ssh.class, VmCommand.Ssh::new),
              CommandTree.leaf(VmCommand.Exec.class, VmCommand.Exec::new),
              CommandTree.leaf(VmCommand.Cp.class, VmCommand.Cp::new)),
          CommandTree.branch(
              ImageCommand.class,
              ImageCommand::new,
              CommandTree.leaf(ImageCommand.Pull.class, ImageCommand.Pull::new),
              CommandTree.leaf(ImageCommand.Ls.class, ImageCommand.Ls::new),
              CommandTree.leaf(ImageCommand.Show.class, ImageCommand.Show::new),
              CommandTree.leaf(ImageCommand.Rm.class, ImageCommand.Rm::new),
              CommandTree.leaf(ImageCommand.Register.class, ImageCommand.Register::new),
              CommandTree.leaf(ImageCommand.Promote.class, ImageCommand.Promote::new),
              CommandTree.leaf(ImageCommand.Export.class, ImageCommand.Export::new)),
          CommandTree.branch(
              KernelCommand.class,
              KernelCommand::new,
              CommandTree.leaf(KernelCommand.Pull.class, KernelCommand.Pull::new),
              CommandTree.leaf(KernelCommand.Ls.class, KernelCommand.Ls::new),
              CommandTree.leaf(KernelCommand.Show.class, KernelCommand.Show::new),
              CommandTree.leaf(KernelCommand.Rm.class, KernelCommand.Rm::new),
              CommandTree.leaf(KernelCommand.Register.class, KernelCommand.Register::new)),
          CommandTree.branch(
              OpCommand.class,
              OpCommand::new,
              CommandTree.leaf(OpCommand.Ls.class, OpCommand.Ls::new),
              CommandTree.leaf(OpCommand.Show.class, OpCommand.Show::new),
              CommandTree.leaf(OpCommand.Watch.class, OpCommand.Watch::new),
              CommandTree.leaf(OpCommand.Cancel.class, OpCommand.Cancel::new)),
          CommandTree.leaf(CompletionCommand.class, CompletionCommand::new),
          CommandTree.leaf(CommandLine.HelpCommand.class, CommandLine.HelpCommand::new));

  @Spec CommandSpec spec;

  private DaemonClient client;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The daemon client, created on first use. */
  DaemonClient client() {
    if (client == null) {
      client = new DaemonClient(Locations.detect(), DaemonLauncher.forThisInstallation());
    }
    return client;
  }

  /** The root command of any subcommand's spec. */
  static RootCommand of(CommandSpec spec) {
    CommandSpec cur = spec;
    while (cur.parent() != null) {
      cur = cur.parent();
    }
    return (RootCommand) cur.userObject();
  }

  static PrintWriter out(CommandSpec spec) {
    return spec.commandLine().getOut();
  }
}
