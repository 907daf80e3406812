package io.github.pager.core;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Both metadata copies as read at one moment: each one's bytes (a private copy), and either the
 * decoded record or what is wrong with it.
 *
 * <p>This is where "which commit is current" is decided: the copy that passes its checks and has
 * the higher generation. A commit writes the other copy, after syncing everything the new record
 * refers to, so a copy that fails its CRC is a commit that never completed (or damage), and the
 * other copy is the last complete one.
 */
final class MetadataCopies {

  /**
   * One metadata page as read: its bytes, and the record or the problem found; a page the storage
   * cannot read is a copy that fails its checks, with no bytes, and keeps the exception.
   */
  record Copy(
      int slot, byte[] bytes, @Nullable MetadataRecord record, @Nullable String problem,
      @Nullable UnreadablePageException unreadable) {
    boolean valid() {
      return record != null;
    }

    /** A page no record was ever stored into: all zero, as create leaves the second copy. */
    boolean neverWritten() {
      for (byte b : bytes) {
        if (b != 0) {
          return false;
        }
      }
      return bytes.length > 0;
    }

    MetadataRecord requireRecord() {
      if (record == null) {
        throw new IllegalStateException("metadata copy " + slot + " is not valid: " + problem);
      }
      return record;
    }
  }

  private final Copy a;
  private final Copy b;

  private MetadataCopies(Copy a, Copy b) {
    this.a = a;
    this.b = b;
  }

  /** Copies and checks both metadata pages of a file with the given page size. */
  static MetadataCopies read(MemorySegment pageA, MemorySegment pageB, int pageSize, String resource) {
    return new MetadataCopies(
        decode((int) Format.METADATA_A_PAGE, pageA, pageSize, resource),
        decode((int) Format.METADATA_B_PAGE, pageB, pageSize, resource));
  }

  static MetadataCopies read(MappedFile file) {
    return read(file.page(Format.METADATA_A_PAGE), file.page(Format.METADATA_B_PAGE), file.pageSize(), file.describe());
  }

  private static Copy decode(int slot, MemorySegment page, int pageSize, String resource) {
    byte[] bytes;
    try {
      bytes = MetadataRecord.copyOf(page, resource, slot);
    } catch (UnreadablePageException e) {
      // Like a copy that fails its CRC: the other copy decides (FORMAT.md, "Recovery").
      return new Copy(slot, new byte[0], null, "unreadable: the storage failed the access", e);
    }
    try {
      return new Copy(slot, bytes, MetadataRecord.decode(bytes, pageSize), null, null);
    } catch (IllegalArgumentException e) {
      return new Copy(slot, bytes, null, e.getMessage(), null);
    }
  }

  Copy copy(int slot) {
    return slot == Format.METADATA_A_PAGE ? a : b;
  }

  /** The copies that pass their own checks, the newest (highest generation) first. */
  List<Copy> validNewestFirst() {
    List<Copy> valid = new ArrayList<>(2);
    for (Copy copy : List.of(a, b)) {
      if (copy.valid()) {
        valid.add(copy);
      }
    }
    valid.sort(Comparator.comparingLong((Copy copy) -> copy.requireRecord().generation).reversed());
    return valid;
  }

  /** The highest generation of a valid copy, or 0 when neither is valid. */
  long highestGeneration() {
    List<Copy> valid = validNewestFirst();
    return valid.isEmpty() ? 0 : valid.get(0).requireRecord().generation;
  }

  /** Tells whether both pages still hold exactly the bytes this read saw. */
  boolean sameBytesAs(MetadataCopies other) {
    return Arrays.equals(a.bytes, other.a.bytes) && Arrays.equals(b.bytes, other.b.bytes);
  }

  static int otherSlot(int slot) {
    return (int) (Format.METADATA_A_PAGE + Format.METADATA_B_PAGE) - slot;
  }
}
