/**
 * The host operating system as banger's disk and network code needs it: running host programs
 * ({@link dev.banger.hostos.CommandRunner}), the few system calls made through the FFM API ({@link
 * dev.banger.hostos.NativeFile}, {@link dev.banger.hostos.Ioctl}), privileges, processes, the VM
 * tag every host resource carries ({@link dev.banger.hostos.VmTag}) and the listing of tagged
 * resources ({@link dev.banger.hostos.HostResources}).
 */
package dev.banger.hostos;
