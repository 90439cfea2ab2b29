package dev.banger.vmm.firecracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The contract checker and the fake API server are themselves tested: hand-written invalid requests
 * must be refused the way Firecracker refuses them, or the driver tests prove nothing.
 */
class FirecrackerApiContractTest {
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static FirecrackerApiContract contract;

  @TempDir Path tmp;
  private HttpClient http;
  private FirecrackerApiFake fake;
  private FirecrackerApi api;

  @BeforeAll
  static void loadContract() throws Exception {
    Optional<String> missing = FirecrackerApiContract.missing();
    assumeTrue(missing.isEmpty(), missing.orElse(""));
    contract = FirecrackerApiContract.load();
  }

  @BeforeEach
  void startFake() throws Exception {
    Path socket = tmp.resolve("api.sock");
    fake =
        FirecrackerApiFake.start(
            socket, contract, Path.of("/"), Optional.empty(), e -> {}, () -> {}, Set.of());
    http = new HttpClient();
    http.start();
    api = new FirecrackerApi(http, socket, "contract", Duration.ofSeconds(10));
  }

  @AfterEach
  void stopFake() throws Exception {
    http.stop();
    fake.close();
  }

  @Test
  void contractIsFirecrackerOneSixteen() {
    assertThat(contract.version()).isEqualTo("1.16.1");
  }

  @Test
  void validDriveRequestHasNoViolations() {
    assertThat(
            contract.violations(
                "PUT",
                "/drives/rootfs",
                json(
                    "{\"drive_id\":\"rootfs\",\"path_on_host\":\"/x\",\"is_root_device\":true,"
                        + "\"is_read_only\":false}")))
        .isEmpty();
  }

  @Test
  void driveIdWithDashBreaksTheIdRule() {
    assertThat(
            contract.violations(
                "PUT",
                "/drives/root-fs",
                json("{\"drive_id\":\"root-fs\",\"path_on_host\":\"/x\",\"is_root_device\":true}")))
        .singleElement()
        .asString()
        .contains("drive_id \"root-fs\"");
  }

  @Test
  void pathIdMustEqualTheIdInTheBody() {
    assertThat(
            contract.violations(
                "PUT",
                "/network-interfaces/eth0",
                json("{\"iface_id\":\"eth1\",\"host_dev_name\":\"tap0\"}")))
        .singleElement()
        .asString()
        .contains("differs");
  }

  @Test
  void missingRequiredFieldIsNamed() {
    assertThat(contract.violations("PUT", "/machine-config", json("{\"vcpu_count\":2}")))
        .containsExactly("body: missing field `mem_size_mib`.");
  }

  @Test
  void wrongTypeIsRefused() {
    assertThat(
            contract.violations(
                "PUT", "/machine-config", json("{\"vcpu_count\":2,\"mem_size_mib\":\"512\"}")))
        .containsExactly("body.mem_size_mib: expected an integer, got string.");
  }

  @Test
  void valueAboveMaximumIsRefused() {
    assertThat(
            contract.violations(
                "PUT", "/machine-config", json("{\"vcpu_count\":33,\"mem_size_mib\":512}")))
        .containsExactly("body.vcpu_count: 33 is above the maximum 32.");
  }

  @Test
  void unknownEnumValueIsRefused() {
    assertThat(contract.violations("PUT", "/actions", json("{\"action_type\":\"Reboot\"}")))
        .singleElement()
        .asString()
        .contains("\"Reboot\" is not one of");
  }

  @Test
  void undeclaredMemberIsRefusedLikeSerdeDenyUnknownFields() {
    assertThat(
            contract.violations(
                "PUT", "/metrics", json("{\"metrics_path\":\"/m\",\"metrics_format\":\"json\"}")))
        .containsExactly("body: unknown field `metrics_format`.");
  }

  @Test
  void nestedReferencedSchemaIsValidated() {
    assertThat(
            contract.violations(
                "PATCH",
                "/drives/rootfs",
                json(
                    "{\"drive_id\":\"rootfs\",\"rate_limiter\":{\"bandwidth\":"
                        + "{\"size\":-1,\"refill_time\":100}}}")))
        .containsExactly("body.rate_limiter.bandwidth.size: -1 is below the minimum 0.");
  }

  @Test
  void declaredAdditionalPropertiesAllowAnyMember() {
    assertThat(contract.violations("PUT", "/mmds", json("{\"latest\":{\"anything\":1}}")))
        .isEmpty();
  }

  @Test
  void undeclaredPathAndUndeclaredMethodAreRefused() {
    assertThat(contract.violations("PUT", "/reboot", json("{}")))
        .containsExactly("Invalid request method and/or path: PUT /reboot.");
    assertThat(contract.violations("DELETE", "/drives/rootfs", null))
        .containsExactly("Invalid request method and/or path: DELETE /drives/rootfs.");
  }

  @Test
  void fakeAnswers400WithFaultMessageThatTheClientQuotes() {
    assertThatThrownBy(
            () ->
                api.put(
                    "configuring machine-config", "/machine-config", json("{\"vcpu_count\":2}")))
        .isInstanceOfSatisfying(
            FirecrackerApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.step()).isEqualTo("configuring machine-config");
              assertThat(e.faultMessage()).isEqualTo("body: missing field `mem_size_mib`.");
            })
        .hasMessageContaining("configuring machine-config for VM contract")
        .hasMessageContaining("\"body: missing field `mem_size_mib`.\"");
  }

  @Test
  void fakeRefusesPreBootOnlyConfigurationAfterInstanceStart() throws Exception {
    Path kernel = Files.writeString(tmp.resolve("vmlinux"), "kernel");
    api.put("boot", "/boot-source", json("{\"kernel_image_path\":\"" + kernel + "\"}"));
    api.put("start", "/actions", json("{\"action_type\":\"InstanceStart\"}"));

    assertThatThrownBy(
            () ->
                api.put("late", "/machine-config", json("{\"vcpu_count\":2,\"mem_size_mib\":256}")))
        .isInstanceOf(FirecrackerApiException.class)
        .hasMessageContaining("not supported after starting the microVM");
    assertThat(fake.exchanges())
        .extracting(FirecrackerApiFake.Exchange::status)
        .containsExactly(204, 204, 400);
  }

  @Test
  void fakeRefusesInstanceStartWithoutBootSourceAndCtrlAltDelBeforeStart() {
    assertThatThrownBy(
            () -> api.put("start", "/actions", json("{\"action_type\":\"InstanceStart\"}")))
        .hasMessageContaining("without kernel configuration");
    assertThatThrownBy(
            () -> api.put("stop", "/actions", json("{\"action_type\":\"SendCtrlAltDel\"}")))
        .hasMessageContaining("before starting the microVM");
  }

  @Test
  void fakeRefusesFilesThatDoNotExistAndAnOccupiedVsockPath() throws Exception {
    assertThatThrownBy(
            () ->
                api.put(
                    "boot", "/boot-source", json("{\"kernel_image_path\":\"/no/such/vmlinux\"}")))
        .hasMessageContaining("\"/no/such/vmlinux\" cannot be opened");
    Path taken = Files.writeString(tmp.resolve("vsock.sock"), "");
    assertThatThrownBy(
            () ->
                api.put(
                    "vsock", "/vsock", json("{\"guest_cid\":3,\"uds_path\":\"" + taken + "\"}")))
        .hasMessageContaining("Address in use");
  }

  @Test
  void fakeAnswersInstanceInfoAndMachineConfig() throws Exception {
    JsonNode info = api.get("describe", "/");
    assertThat(info.path("state").asString()).isEqualTo("Not started");
    assertThat(contract.violations("GET", "/", null)).isEmpty();
    api.put("machine", "/machine-config", json("{\"vcpu_count\":2,\"mem_size_mib\":300}"));
    assertThat(api.get("read", "/machine-config").path("mem_size_mib").asInt()).isEqualTo(300);
    assertThat(fake.exchanges())
        .extracting(FirecrackerApiFake.Exchange::path)
        .isEqualTo(List.of("/", "/machine-config", "/machine-config"));
  }

  private static JsonNode json(String text) {
    return JSON.readTree(text);
  }
}
