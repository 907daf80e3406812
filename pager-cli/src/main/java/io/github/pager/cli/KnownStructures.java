package io.github.pager.cli;

import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.core.Pager;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The layers' structures a file holds, found by the configuration values they keep in root
 * slots: today, sub-page allocators. Each can check itself and name the pages it owns.
 */
final class KnownStructures {
  /** One structure found: where it lives, what it is, and how to check it. */
  record Found(int firstSlot, int lastSlot, String description, SubPageAllocator allocator) {
    /** Where it lives and what it is, in a fixed key order for JSON. */
    java.util.Map<String, Object> toJson() {
      java.util.Map<String, Object> json = new java.util.LinkedHashMap<>();
      json.put("slots", firstSlot + "-" + lastSlot);
      json.put("kind", description);
      return json;
    }
  }

  private final List<Found> found;

  private KnownStructures(List<Found> found) {
    this.found = found;
  }

  static KnownStructures find(Pager pager) throws IOException {
    List<Found> found = new ArrayList<>();
    for (int slot = 0; slot + SubPageAllocator.ROOT_SLOTS_USED <= Transaction.ROOT_SLOTS; slot++) {
      OptionalInt size = SubPageAllocator.storedSubPageSize(pager, slot);
      if (size.isPresent()) {
        SubPageAllocator allocator = SubPageAllocator.open(pager, slot, size.getAsInt());
        String inUse;
        try {
          int[] count = {0};
          allocator.forEachAllocated(id -> count[0]++);
          inUse = count[0] + " in use";
        } catch (IOException | RuntimeException unreadable) {
          inUse = "state unreadable (" + Failures.message(unreadable) + ")";
        }
        found.add(new Found(
            slot,
            slot + SubPageAllocator.ROOT_SLOTS_USED - 1,
            "sub-page allocator: " + size.getAsInt() + "-byte sub-pages, " + inUse,
            allocator));
        slot += SubPageAllocator.ROOT_SLOTS_USED - 1;
      }
    }
    return new KnownStructures(found);
  }

  List<Found> all() {
    return found;
  }

  /**
   * Every problem each structure finds in itself, prefixed by where it lives; a structure too
   * damaged to be walked is one problem, not a failure of the whole check.
   */
  List<String> verify() {
    List<String> problems = new ArrayList<>();
    for (Found structure : found) {
      String where = "slots " + structure.firstSlot() + "-" + structure.lastSlot() + ": ";
      try {
        for (String problem : structure.allocator().verify()) {
          problems.add(where + problem);
        }
      } catch (IOException | RuntimeException unreadable) {
        problems.add(where + Failures.message(unreadable));
      }
    }
    return problems;
  }

  /**
   * The pages the structures own: their data pages and their trees' nodes. A structure that
   * cannot be walked (already reported by {@link #verify()}) contributes what could be read.
   */
  Set<Long> ownedPages() {
    Set<Long> pages = new HashSet<>();
    for (Found structure : found) {
      try {
        pages.addAll(structure.allocator().ownedPages());
      } catch (IOException | RuntimeException unreadable) {
        // Reported by verify(); the page accounting then shows its pages as unowned.
      }
    }
    return pages;
  }

  /** Tells whether a root slot belongs to one of the structures. */
  boolean claims(int slot) {
    return found.stream().anyMatch(f -> slot >= f.firstSlot() && slot <= f.lastSlot());
  }
}
