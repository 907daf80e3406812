package io.github.pager.protectedpages;

import java.util.Collections;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * What a crash must preserve of a file holding protected and regular pages: each protected page's
 * content (as a hash of its bytes) by id, and the set of regular pages allocated.
 *
 * @param pages protected page id to content hash
 * @param regular regular page indexes allocated
 */
record ProtectedState(SortedMap<Long, Long> pages, SortedSet<Long> regular) {
  static final ProtectedState EMPTY = new ProtectedState(new TreeMap<>(), new TreeSet<>());

  ProtectedState {
    pages = Collections.unmodifiableSortedMap(new TreeMap<>(pages));
    regular = Collections.unmodifiableSortedSet(new TreeSet<>(regular));
  }

  static long hash(byte[] content) {
    CRC32C crc = new CRC32C();
    crc.update(content);
    return (crc.getValue() << 32) ^ java.util.Arrays.hashCode(content);
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("{");
    pages.forEach((id, hash) -> text.append(id).append('=').append(Long.toHexString(hash).substring(0, Math.min(6, Long.toHexString(hash).length()))).append(' '));
    return text.append("| regular ").append(regular).append('}').toString();
  }
}
