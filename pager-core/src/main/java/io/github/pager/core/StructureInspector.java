package io.github.pager.core;

import java.io.IOException;
import java.util.Optional;

/**
 * Lets tools check a kind of structure they were not built with: a service that a module
 * defining a structure provides, and that a tool such as {@code pager verify}, {@code pager
 * stats} and {@code pager pages} loads with {@link java.util.ServiceLoader}, to check each
 * structure of that kind a file's {@link RootCatalog} names and to label the pages it owns.
 *
 * <p>A module provides it in its {@code module-info.java}, and for class-path use in {@code
 * META-INF/services/io.github.pager.core.StructureInspector}:
 *
 * <pre>{@code
 * module my.index {
 *   requires io.github.pager.core;
 *   provides io.github.pager.core.StructureInspector with my.index.IndexInspector;
 * }
 * }</pre>
 *
 * <p>and a tool finds it by the kind of a claim:
 *
 * <pre>{@code
 * for (StructureInspector inspector : ServiceLoader.load(StructureInspector.class)) {
 *   if (inspector.kind().equals(claim.kind())) {
 *     StructureInspection found = inspector.inspect(pager, claim);
 *   }
 * }
 * }</pre>
 *
 * <p>A kind whose structures may also live at fixed root slots without a claim (a key-value store
 * opened without a name, say) implements {@link #inspectUnclaimed} too, so that tools find them by
 * their own root values instead of calling their pages the application's.
 *
 * <p>The implementation needs a public class with a public constructor without arguments; it
 * depends on pager-core only, never on the tool.
 */
public interface StructureInspector {
  /**
   * A structure found at fixed root slots without a claim, by {@link #inspectUnclaimed}.
   *
   * @param firstSlot its first root slot
   * @param slotCount how many consecutive root slots it uses
   * @param inspection the structure, opened to be read
   */
  record Unclaimed(int firstSlot, int slotCount, StructureInspection inspection) {
    /**
     * Checks the slots.
     *
     * @throws IllegalArgumentException when the slots do not all exist
     */
    public Unclaimed {
      RootClaim.checkRange(firstSlot, slotCount);
    }

    /**
     * Returns its last root slot.
     *
     * @return {@code firstSlot + slotCount - 1}
     */
    public int lastSlot() {
      return firstSlot + slotCount - 1;
    }
  }

  /**
   * Returns the kind of structure it inspects: the {@link RootClaim#kind()} its structures
   * claim their root slots with.
   *
   * @return the kind
   */
  String kind();

  /**
   * Opens the structure a claim names, to read it: no change to the file, and no I/O needed
   * before the inspection's methods are called.
   *
   * @param pager an open pager, usually read-only; the inspection reads its last commit (or,
   *     through a snapshot it takes, one commit throughout)
   * @param claim the structure's claim, of this inspector's kind
   * @return the inspection
   * @throws IOException when the structure's root values are unreadable or not of this kind
   */
  StructureInspection inspect(Pager pager, RootClaim claim) throws IOException;

  /**
   * Opens a structure of this kind that lives at root slots from {@code firstSlot} without a
   * claim in the root catalog, when the slots' values show one. A tool asks for every first slot
   * that no claim and no structure found before covers, so the answer must rest on a signature
   * the structure writes in its own root values (a magic number, a format version), never on
   * values an application could keep there for itself: a plain value taken for a structure would
   * make {@code pager verify} report the application's pages as a damaged structure. The default
   * finds none.
   *
   * @param pager an open pager, usually read-only; the inspection reads its last commit
   * @param firstSlot a root slot, from 0 to {@link Transaction#ROOT_SLOTS} - 1
   * @return the structure whose first slot is {@code firstSlot}, or empty when the slots hold none
   *     of this kind
   * @throws IOException when the slots show a structure of this kind that cannot be opened
   */
  default Optional<Unclaimed> inspectUnclaimed(Pager pager, int firstSlot) throws IOException {
    return Optional.empty();
  }
}
