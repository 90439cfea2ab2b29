package dev.banger.cli.command;

import dev.banger.api.ApiVersion;
import dev.banger.cli.client.DaemonException;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code banger version}: the client's and the daemon's versions. */
@Command(name = "version", description = "Show the client and daemon versions.")
public final class VersionCommand implements Runnable {
  /** The version of this CLI build. */
  public static final String VERSION = "0.1.0";

  @Spec CommandSpec spec;
  @Mixin OutputOption output;

  @Override
  public void run() {
    ObjectNode node = dev.banger.cli.client.DaemonClient.JSON.createObjectNode();
    ObjectNode client = node.putObject("client");
    client.put("program", "banger");
    client.put("version", VERSION);
    client.put("apiVersion", ApiVersion.PREFIX.substring(1));
    client.put("java", Runtime.version().toString());
    try {
      node.set("daemon", RootCommand.of(spec).client().get(dev.banger.api.Routes.VERSION));
    } catch (DaemonException e) {
      node.put("daemonError", e.getMessage());
    }
    PrintWriter out = RootCommand.out(spec);
    output.print(out, node, VersionCommand::render);
  }

  private static String render(JsonNode n) {
    String daemon =
        n.has("daemon")
            ? n.path("daemon").path("version").asString()
                + " (API "
                + n.path("daemon").path("apiVersion").asString()
                + ", Java "
                + n.path("daemon").path("java").asString()
                + ")"
            : "unavailable: " + n.path("daemonError").asString();
    return "Client: banger "
        + n.path("client").path("version").asString()
        + " (API "
        + n.path("client").path("apiVersion").asString()
        + ", Java "
        + n.path("client").path("java").asString()
        + ")\nDaemon: bangerd "
        + daemon
        + "\n";
  }

  /** Supplies {@code banger --version}. */
  public static final class ClientVersion implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"banger " + VERSION};
    }
  }
}
