/**
 * Each VM's disks on the host: a copy-on-write root disk made from its image ({@link
 * dev.banger.disk.RootDiskFactory}: device-mapper snapshot, reflink clone or sparse copy), a work
 * disk ({@link dev.banger.disk.WorkDiskFactory}), files such as the SSH key written into ext4
 * images without mounting them ({@link dev.banger.disk.Ext4Files}), and the reaper that removes
 * disk resources of VMs that are gone ({@link dev.banger.disk.DiskReaper}).
 *
 * <p>Everything a VM gets lives in its directory ({@code VMS/ID/}) or carries its id in its name,
 * so that leftovers can be found on the host by tag.
 */
package dev.banger.disk;
