/**
 * Tar streams of directory trees, as directories travel to and from the guest: packing a host
 * directory, and unpacking what a guest sends without letting any entry escape its target.
 */
package dev.banger.guest.archive;
