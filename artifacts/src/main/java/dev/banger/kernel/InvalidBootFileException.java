package dev.banger.kernel;

import java.io.Serial;
import java.util.List;

/**
 * Files given to {@code kernel register} or {@code image register} are not what they claim to be.
 * Each problem names the file and what is wrong with it; the message lists them all.
 */
public final class InvalidBootFileException extends KernelException {

  @Serial private static final long serialVersionUID = 1L;

  @SuppressWarnings("serial") // List.copyOf returns a serializable list.
  private final List<String> problems;

  /** Creates an error listing every problem found. */
  public InvalidBootFileException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  /** The problems, one sentence each, naming the file. */
  public List<String> problems() {
    return problems;
  }
}
