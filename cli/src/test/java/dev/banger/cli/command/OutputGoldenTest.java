package dev.banger.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.cli.json.Json;
import dev.banger.cli.output.JsonPrinter;
import dev.banger.cli.output.Table;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Table and JSON output compared with golden files in src/test/resources/golden. */
class OutputGoldenTest {
  private static String golden(String name) throws IOException {
    try (InputStream in = OutputGoldenTest.class.getResourceAsStream("/golden/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static Json vms() throws IOException {
    return Json.parse(golden("vms.input.json"));
  }

  @Test
  void vmListAsTable() throws IOException {
    String table = VmCommand.Ls.render(vms());

    assertThat(table).isEqualTo(golden("vm-ls.table.txt"));
  }

  @Test
  void vmListAsJson() throws IOException {
    assertThat(JsonPrinter.print(vms()) + "\n").isEqualTo(golden("vm-ls.json.txt"));
  }

  @Test
  void emptyListsAndObjectsPrintCompactly() {
    assertThat(JsonPrinter.print(Json.parse("[]"))).isEqualTo("[]");
    assertThat(JsonPrinter.print(Json.parse("{ }"))).isEqualTo("{}");
  }

  @Test
  void emptyTableIsJustTheHeader() {
    assertThat(new Table("NAME", "STATE").render()).isEqualTo("NAME   STATE\n");
  }

  @Test
  void tableRefusesRowsOfTheWrongWidth() {
    Table t = new Table("A", "B");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> t.row("only one"))
        .hasMessageContaining("1 cells for 2 columns");
  }
}
