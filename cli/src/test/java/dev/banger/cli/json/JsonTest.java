package dev.banger.cli.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.api.CreateVmRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void readsEveryKindOfValue() {
    Json j =
        Json.parse(
            " {\"s\": \"a\\\"b\\\\c\\n\\u00e9\", \"n\": -12, \"d\": 1.5e3, \"t\": true,"
                + " \"f\": false, \"z\": null, \"a\": [1, {\"x\": []}], \"o\": {}} ");

    assertThat(j.path("s").asString()).isEqualTo("a\"b\\c\né");
    assertThat(j.path("n").asLong()).isEqualTo(-12);
    assertThat(j.path("d").asString()).isEqualTo("1.5e3");
    assertThat(j.path("d").asLong()).isEqualTo(1500);
    assertThat(j.path("t").asBoolean()).isTrue();
    assertThat(j.path("f").asBoolean()).isFalse();
    assertThat(j.hasNonNull("z")).isFalse();
    assertThat(j.has("z")).isTrue();
    assertThat(j.path("a").size()).isEqualTo(2);
    assertThat(j.path("a").iterator().next().asInt()).isEqualTo(1);
    assertThat(j.path("o").isObject()).isTrue();
    assertThat(j.path("o").isEmpty()).isTrue();
  }

  @Test
  void missingMembersChainWithoutFailing() {
    Json j = Json.parse("{\"a\": 1}");

    assertThat(j.path("b").path("c").asString()).isEmpty();
    assertThat(j.path("b").asString("fallback")).isEqualTo("fallback");
    assertThat(j.path("b").asLong()).isZero();
    assertThat(j.path("b").size()).isZero();
  }

  @Test
  void writesRecordsLeavingOutNullComponents() {
    String json = Json.write(new CreateVmRequest("web", null, null, 2, null, "4G", null, true));

    assertThat(json).isEqualTo("{\"name\":\"web\",\"cpus\":2,\"disk\":\"4G\",\"start\":true}");
    assertThat(Json.parse(json).path("cpus").asInt()).isEqualTo(2);
  }

  @Test
  void writesMapsListsAndEscapes() {
    assertThat(Json.write(Map.of("k", List.of("a\tb", 1, false))))
        .isEqualTo("{\"k\":[\"a\\tb\",1,false]}");
    assertThat(Json.quote("\u0001")).isEqualTo("\"\\u0001\"");
    assertThat(Json.parse("[1,\"x\",{\"y\":null}]").toString()).isEqualTo("[1,\"x\",{\"y\":null}]");
  }

  @Test
  void malformedTextIsRefusedWithThePosition() {
    assertThatThrownBy(() -> Json.parse("{\"a\": }")).hasMessageContaining("character 6");
    assertThatThrownBy(() -> Json.parse("[1, 2")).hasMessageContaining("expected ']'");
    assertThatThrownBy(() -> Json.parse("   ")).hasMessageContaining("ended early");
    assertThatThrownBy(() -> Json.parse("{\"a\": 1} x")).hasMessageContaining("after the");
    assertThatThrownBy(() -> Json.parse("\"abc")).hasMessageContaining("unterminated");
    assertThatThrownBy(() -> Json.parse("-")).hasMessageContaining("bad number");
  }
}
