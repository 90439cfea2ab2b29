package dev.banger.disk;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link RootDiskFactory#probe(Path)} found out about a state directory: the strategy new root
 * disks will use there, and one finding per strategy that was tried (why device-mapper or reflink
 * is or is not available), for {@code doctor}. Immutable and thread-safe.
 *
 * @param stateDirectory the directory that was probed
 * @param strategy the best strategy that works for files in that directory
 * @param findings human-readable lines, one per strategy considered
 */
public record CowProbe(Path stateDirectory, CowStrategy strategy, List<String> findings) {

  /** Copies the findings so the record stays immutable. */
  public CowProbe {
    findings = List.copyOf(findings);
  }
}
