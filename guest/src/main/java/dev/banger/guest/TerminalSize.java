package dev.banger.guest;

/**
 * The size of a terminal in character cells. Immutable.
 *
 * @param rows lines, 1 to 65535
 * @param cols columns, 1 to 65535
 */
public record TerminalSize(int rows, int cols) {
  /** Checks the ranges. */
  public TerminalSize {
    if (rows < 1 || rows > 0xFFFF || cols < 1 || cols > 0xFFFF) {
      throw new IllegalArgumentException("terminal size out of range: " + rows + "x" + cols);
    }
  }
}
