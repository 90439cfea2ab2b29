package dev.banger.cli.command;

import dev.banger.api.Routes;
import dev.banger.cli.output.Table;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code banger vm ...}: VM lifecycle commands. */
@Command(
    name = "vm",
    description = "Create, run and manage VMs.")
public final class VmCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static String path(String vm) {
    return Routes.VMS + "/" + URLEncoder.encode(vm, StandardCharsets.UTF_8);
  }

  /** {@code banger vm ls}. */
  @Command(name = "ls", aliases = "list", description = "List VMs.")
  public static final class Ls implements Runnable {
    @Spec CommandSpec spec;
    @Mixin OutputOption output;

    @Override
    public void run() {
      JsonNode vms = RootCommand.of(spec).client().get(Routes.VMS);
      output.print(RootCommand.out(spec), vms, Ls::render);
    }

    static String render(JsonNode vms) {
      Table t = new Table("NAME", "STATE", "IMAGE", "VMM", "CPUS", "MEMORY", "IP", "ID");
      for (JsonNode vm : vms) {
        String state = vm.path("state").asString();
        t.row(vm.path("name").asString(), state, vm.path("image").asString(),
            vm.path("vmm").asString(), vm.path("cpus").asString(),
            vm.path("memoryMib").asString() + "M", vm.path("ip").asString(),
            vm.path("id").asString().substring(0, Math.min(12, vm.path("id").asString().length())));
      }
      return t.render();
    }
  }

  /** {@code banger vm show VM}. */
  @Command(name = "show", aliases = "inspect", description = "Show one VM.")
  public static final class Show implements Runnable {
    @Spec CommandSpec spec;
    @Mixin OutputOption output;

    @Parameters(paramLabel = "VM", description = "VM name or id.")
    String vm;

    @Override
    public void run() {
      JsonNode node = RootCommand.of(spec).client().get(path(vm));
      output.print(RootCommand.out(spec), node, Show::render);
    }

    static String render(JsonNode vm) {
      StringBuilder out = new StringBuilder();
      for (var e : vm.properties()) {
        out.append(String.format("%-14s %s%n", e.getKey() + ":", e.getValue().isValueNode()
            ? e.getValue().asString() : e.getValue().toString()));
      }
      return out.toString();
    }
  }
}
