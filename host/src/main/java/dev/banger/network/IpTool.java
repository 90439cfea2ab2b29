package dev.banger.network;

import dev.banger.hostos.CommandResult;
import dev.banger.hostos.CommandRunner;
import dev.banger.hostos.HostOsException;
import dev.banger.hostos.Privileges;
import java.util.List;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The iproute2 {@code ip} queries and changes the network classes share, run through one {@link
 * CommandRunner} (so inside a namespace when the runner says so). Failures become {@link
 * NetworkException}s that name the action.
 *
 * <p>Immutable and thread-safe.
 */
final class IpTool {
  private final CommandRunner runner;

  IpTool(CommandRunner runner) {
    this.runner = runner;
  }

  CommandRunner runner() {
    return runner;
  }

  /** Fails early, before any command runs, when networking cannot be configured. */
  static void requireNetAdmin(String action) throws NetworkException {
    if (!Privileges.canAdministerNetwork()) {
      throw NetworkException.needsNetAdmin(action);
    }
  }

  /** The details of interface {@code name} ({@code ip -j -d link show}), or empty if absent. */
  Optional<JsonNode> link(String name) throws NetworkException {
    CommandResult result = run(List.of("ip", "-j", "-d", "link", "show", "dev", name), "look up");
    if (!result.succeeded()) {
      if (result.stderr().contains("does not exist")) {
        return Optional.empty();
      }
      throw failure(result, "look up interface " + name);
    }
    return Optional.of(parse(result).path(0));
  }

  /** Every interface with its details. */
  JsonNode links() throws NetworkException {
    return parse(check(List.of("ip", "-j", "-d", "link", "show"), "list interfaces"));
  }

  /** The IPv4 addresses on interface {@code name}, as {@code ADDRESS/PREFIX}. */
  List<String> ipv4Addresses(String name) throws NetworkException {
    JsonNode interfaces =
        parse(check(List.of("ip", "-j", "-4", "addr", "show", "dev", name), "list addresses"));
    return interfaces
        .path(0)
        .path("addr_info")
        .valueStream()
        .map(info -> info.path("local").asString() + "/" + info.path("prefixlen").asInt())
        .toList();
  }

  /** The interface of the default IPv4 route, or empty when there is none. */
  Optional<String> defaultRouteInterface() throws NetworkException {
    JsonNode routes =
        parse(check(List.of("ip", "-j", "-4", "route", "show", "default"), "find default route"));
    for (JsonNode route : routes) {
      String device = route.path("dev").asString("");
      if (!device.isEmpty()) {
        return Optional.of(device);
      }
    }
    return Optional.empty();
  }

  /** Runs {@code argv}, failing with a message that names {@code action} unless it succeeds. */
  CommandResult check(List<String> argv, String action) throws NetworkException {
    CommandResult result = run(argv, action);
    if (!result.succeeded()) {
      throw failure(result, action);
    }
    return result;
  }

  CommandResult run(List<String> argv, String action) throws NetworkException {
    try {
      return runner.run(argv);
    } catch (HostOsException e) {
      throw new NetworkException("could not " + action, e);
    }
  }

  private static NetworkException failure(CommandResult result, String action) {
    return new NetworkException(
        "could not %s: `%s` exited with status %d: %s"
            .formatted(action, result.display(), result.exitCode(), result.stderr().strip()));
  }

  private static JsonNode parse(CommandResult result) throws NetworkException {
    try {
      return JsonMapper.shared().readTree(result.stdout());
    } catch (JacksonException e) {
      throw new NetworkException(
          "could not parse the JSON printed by `%s`".formatted(result.display()), e);
    }
  }
}
