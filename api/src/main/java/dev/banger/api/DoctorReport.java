package dev.banger.api;

import java.util.List;

/**
 * The result of {@code banger doctor}: every check, and whether the host can run VMs.
 *
 * @param checks the checks in the order they ran
 * @param vmm the VMM banger will use on this host ({@code firecracker} or {@code qemu})
 * @param accel how that VMM runs guests: {@code kvm} or {@code tcg}
 * @param diskStrategy how VM root disks are made from images: {@code dm-snapshot}, {@code reflink}
 *     or {@code sparse-copy}
 */
public record DoctorReport(
    List<DoctorCheck> checks, String vmm, String accel, String diskStrategy) {

  /** Whether any required check failed. */
  public boolean failed() {
    return checks.stream().anyMatch(c -> c.required() && DoctorCheck.FAIL.equals(c.status()));
  }
}
