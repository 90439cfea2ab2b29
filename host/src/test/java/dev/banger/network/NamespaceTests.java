package dev.banger.network;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.hostos.Privileges;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What the namespace-based network tests share: the capability check and JSON parsing. */
final class NamespaceTests {
  private NamespaceTests() {}

  static void assumeNetAdmin() {
    assumeTrue(
        Privileges.canAdministerNetwork(),
        "needs CAP_NET_ADMIN (root) to create network namespaces, bridges and TAPs");
  }

  static JsonNode json(String text) {
    return JsonMapper.shared().readTree(text);
  }

  /** The {@code ip -j -d link show dev NAME} entry of an interface in {@code namespace}. */
  static JsonNode link(NetworkNamespace namespace, String name) throws Exception {
    return json(namespace.exec("ip", "-j", "-d", "link", "show", "dev", name)).path(0);
  }
}
