package io.github.pager.kv;

import io.github.pager.core.Pager;
import io.github.pager.core.RootClaim;
import io.github.pager.core.StructureInspection;
import io.github.pager.core.StructureInspector;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Lets tools check the key-value stores a file holds: the {@link StructureInspector} of kind
 * {@value KvOptions#KIND}, which this module provides to {@link java.util.ServiceLoader} (see its
 * {@code module-info}). With pager-kv on its module path, {@code pager verify} checks each store
 * as {@link KvStore#verify()} does, and {@code pager pages} and {@code pager stats} label its
 * pages: tree nodes ({@code "node"}) and overflow pages ({@code "overflow"}). Named stores are
 * found by their claims in the root catalog; stores without a name, at any root slots, by the tag
 * in their first slot ({@link #inspectUnclaimed}).
 *
 * <p>The example to copy for a structure of one's own: a public class with a public constructor
 * without arguments, that opens the structure by its claim and walks it once.
 */
public final class KvInspector implements StructureInspector {
  /** Creates the inspector; {@link java.util.ServiceLoader} calls this. */
  public KvInspector() {}

  @Override
  public String kind() {
    return KvOptions.KIND;
  }

  /**
   * Opens the store a claim names.
   *
   * @param pager an open pager
   * @param claim a claim of kind {@value KvOptions#KIND}, of four slots
   * @return the inspection, which walks the store (on a snapshot of the last commit) the first
   *     time it is asked for problems or pages
   * @throws IllegalArgumentException when the claim is of another kind or size
   * @throws IllegalStateException when the claimed slots hold something that is not a store
   * @throws IOException when the root catalog cannot be read
   */
  @Override
  public StructureInspection inspect(Pager pager, RootClaim claim) throws IOException {
    if (!claim.kind().equals(KvOptions.KIND) || claim.slotCount() != KvOptions.ROOT_SLOTS_CLAIMED) {
      throw new IllegalArgumentException(claim + " is not a key-value store's claim");
    }
    return new Inspection(
        KvStore.on(pager, KvOptions.defaults().withName(claim.name()).withRootSlot(claim.firstSlot())));
  }

  /**
   * Opens the store without a name whose four root slots start at {@code firstSlot}, when they
   * hold one: slot {@code firstSlot} holds a store's tag ("PGKV" in the high 32 bits, the format
   * version this module reads in the low 16) and the other three are consistent with it (see the
   * README, "Root values"). A plain value of an application is never such a tag, so its pages
   * stay the application's.
   *
   * @param pager an open pager
   * @param firstSlot a root slot
   * @return the store at slots {@code firstSlot} to {@code firstSlot + 3}, or empty
   * @throws io.github.pager.core.RootClaimConflictException when another structure claimed one of
   *     the store's slots
   * @throws IOException when the root catalog cannot be read
   */
  @Override
  public Optional<Unclaimed> inspectUnclaimed(Pager pager, int firstSlot) throws IOException {
    if (firstSlot < 0 || firstSlot > Transaction.ROOT_SLOTS - RootSlots.COUNT
        || !RootSlots.holdsStore(pager::root, firstSlot)) {
      return Optional.empty();
    }
    KvStore store = KvStore.on(pager, KvOptions.defaults().withRootSlot(firstSlot));
    return Optional.of(new Unclaimed(firstSlot, RootSlots.COUNT, new Inspection(store)));
  }

  /** One store, walked once for its problems and its pages together. */
  private static final class Inspection implements StructureInspection {
    private record Label(long page, String role, String label) {}

    private final KvStore store;
    private @Nullable KvVerifyReport report;
    private final List<Label> labels = new ArrayList<>();

    Inspection(KvStore store) {
      this.store = store;
    }

    @Override
    public String description() {
      return String.format(Locale.ROOT, "key-value store: %,d entries", store.size());
    }

    @Override
    public List<String> verify() throws IOException {
      return walk().problems();
    }

    @Override
    public void forEachPage(PageVisitor visitor) throws IOException {
      walk();
      for (Label label : labels) {
        visitor.page(label.page(), label.role(), label.label());
      }
    }

    private KvVerifyReport walk() throws IOException {
      KvVerifyReport walked = report;
      if (walked == null) {
        labels.clear(); // of a walk that failed before
        walked = store.verify((page, role, label) -> labels.add(new Label(page, role, label)));
        report = walked;
      }
      return walked;
    }
  }
}
