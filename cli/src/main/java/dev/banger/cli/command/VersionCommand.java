package dev.banger.cli.command;

import dev.banger.api.ApiVersion;
import dev.banger.cli.client.DaemonException;
import dev.banger.cli.json.Json;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code banger version}: the client's and the daemon's versions. */
@Command(name = "version", description = "Show the client and daemon versions.")
public final class VersionCommand implements Runnable {
  /** The version of this CLI build. */
  public static final String VERSION = "0.1.0";

  @Spec CommandSpec spec;
  @Mixin OutputOption output;

  @Override
  public void run() {
    Map<String, Json> node = new LinkedHashMap<>();
    node.put(
        "client",
        Json.object(
            Map.of(
                "program", Json.string("banger"),
                "version", Json.string(VERSION),
                "apiVersion", Json.string(ApiVersion.PREFIX.substring(1)),
                "java", Json.string(Runtime.version().toString()))));
    try {
      node.put("daemon", RootCommand.of(spec).client().get(dev.banger.api.Routes.VERSION));
    } catch (DaemonException e) {
      node.put("daemonError", Json.string(e.getMessage()));
    }
    PrintWriter out = RootCommand.out(spec);
    output.print(out, Json.object(node), VersionCommand::render);
  }

  private static String render(Json n) {
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
