package dev.banger.cli.command;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The tree of banger's commands, registered with picocli lazily: only the branch that the arguments
 * name is built, plus all siblings at the level where the arguments stop (so help and usage still
 * list them). Picocli builds its model by reflection over every registered class, which would
 * otherwise cost every CLI call the price of all commands. Immutable.
 *
 * @param type the command class (annotated with {@link Command})
 * @param factory makes an instance
 * @param children its subcommands
 */
public record CommandTree(Class<?> type, Supplier<Object> factory, List<CommandTree> children) {

  /** A leaf command. */
  public static CommandTree leaf(Class<?> type, Supplier<Object> factory) {
    return new CommandTree(type, factory, List.of());
  }

  /** A command with subcommands. */
  public static CommandTree branch(
      Class<?> type, Supplier<Object> factory, CommandTree... children) {
    return new CommandTree(type, factory, List.of(children));
  }

  /** Builds the picocli command line for {@code args}. */
  public CommandLine build(String[] args) {
    CommandLine root = new CommandLine(factory.get());
    attach(root, this, args, 0, false);
    return root;
  }

  /** Builds the whole tree, for completion scripts and full help. */
  public CommandLine buildAll() {
    CommandLine root = new CommandLine(factory.get());
    attach(root, this, new String[0], 0, true);
    return root;
  }

  private static void attach(
      CommandLine parent, CommandTree node, String[] args, int from, boolean all) {
    int next = nextPositional(args, from);
    String word = next < 0 ? null : args[next];
    CommandTree chosen = null;
    if (!all && word != null) {
      for (CommandTree child : node.children) {
        if (child.names().contains(word)) {
          chosen = child;
        }
      }
    }
    List<CommandTree> toAdd = chosen == null ? node.children : List.of(chosen);
    for (CommandTree child : toAdd) {
      CommandLine sub = new CommandLine(child.factory.get());
      parent.addSubcommand(sub);
      if (chosen != null || all) {
        attach(sub, child, args, chosen != null ? next + 1 : args.length, all);
      }
    }
  }

  private List<String> names() {
    Command c = type.getAnnotation(Command.class);
    List<String> names = new ArrayList<>();
    names.add(c.name());
    names.addAll(List.of(c.aliases()));
    return names;
  }

  private static int nextPositional(String[] args, int from) {
    for (int i = from; i < args.length; i++) {
      if ("--".equals(args[i])) {
        return -1;
      }
      if (!args[i].startsWith("-")) {
        return i;
      }
    }
    return -1;
  }
}
