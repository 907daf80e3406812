package io.github.pager.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The root catalog: which structure owns which root slots, by name, kept in the file so that a
 * reopen, another process and the command-line tool see it.
 *
 * <p>Root values are 32 anonymous slots ({@link Transaction#ROOT_SLOTS}). A structure that claims
 * its slots by name here cannot collide silently with another: a claim that overlaps another
 * structure's, a name already claimed by another kind, and a structure opened at fixed slots
 * that another's claim covers are all refused with {@link RootClaimConflictException}.
 *
 * <pre>{@code
 * try (Transaction tx = pager.begin()) {
 *   RootClaim claim = RootCatalog.claim(tx, "orders", "my-index", 2);  // the lowest 2 free slots
 *   tx.setRoot(claim, 0, rootPage);                                     // written through the claim
 *   tx.setRoot(claim, 1, count);
 *   tx.commit();                                                        // the claim commits with it
 * }
 * RootClaim orders = RootCatalog.of(pager).find("orders").orElseThrow();
 * }</pre>
 *
 * <p><b>Where it lives.</b> The catalog is a {@link PersistentArray} of {@value #RECORD_SIZE}-byte
 * records under root slots {@value #CATALOG_SLOT} and 31, record {@code k} describing the claim
 * whose first slot is {@code k}; record 30 is the catalog's own claim (FORMAT.md, "Root catalog").
 * It is written by the first claim: a file that never claimed by name has no catalog, and both
 * slots stay free for whatever used them before. A file whose slots 30 and 31 hold another
 * structure's values keeps working; only claims by name are refused in it.
 *
 * <p><b>Claimed slots are written through the claim.</b> A plain {@link Transaction#setRoot(int,
 * long)} on a slot a claim covers is refused ({@link RootClaimConflictException}, naming the slot
 * and the claim): only the owner, holding its {@link RootClaim}, writes them, with {@link
 * Transaction#setRoot(RootClaim, int, long)}. The catalog's own slots 30 and 31 are written by the
 * catalog alone. A file without a catalog has no claimed slot, and every slot is written as before.
 *
 * <p><b>Unclaimed slots.</b> Structures at fixed slots keep working beside claims. A claim by
 * name only takes slots whose values are all zero, so it never takes slots a structure uses
 * without a claim; and a structure opened at fixed slots asks {@link #requireAvailable} whether a
 * claim of another structure covers them (and gets its own claim back, when one names exactly its
 * slots, to write through).
 *
 * <p>An instance is the catalog of one commit (or of a transaction, its own claims included), and
 * does not change.
 */
public final class RootCatalog {
  /** The first of the catalog's two root slots ({@code CATALOG_SLOT} in FORMAT.md). */
  public static final int CATALOG_SLOT = 30;

  /** Bytes per record of the catalog's array ({@code CATALOG_RECORD_SIZE} in FORMAT.md). */
  public static final int RECORD_SIZE = 64;

  /** The name and kind of the catalog's own claim, record {@value #CATALOG_SLOT}. */
  public static final String CATALOG_NAME = "pager.catalog";

  /** The catalog's own claim: slots 30 and 31. */
  public static final RootClaim SELF = new RootClaim(CATALOG_NAME, CATALOG_NAME, CATALOG_SLOT, 2);

  private static final int WORDS = RECORD_SIZE / 8;
  private static final int NAME_OFFSET = 8;
  private static final int KIND_OFFSET = NAME_OFFSET + RootClaim.MAX_NAME_LENGTH;

  /** What slots 30 and 31 hold. */
  private enum State {
    /** Both zero: no claim was ever made. */
    ABSENT,
    /** A catalog. */
    PRESENT,
    /** Another structure's values: claims by name are refused. */
    FOREIGN
  }

  /** Reads records of the catalog's array, wherever it is opened. */
  @FunctionalInterface
  private interface Records {
    long[] get(long index) throws IOException;
  }

  private final State state;
  private final String file;
  private final List<RootClaim> claims;

  /** The claim covering each slot, or null: what {@link Transaction#setRoot} looks up. */
  private final @Nullable RootClaim[] bySlot = new RootClaim[Transaction.ROOT_SLOTS];

  private RootCatalog(State state, String file, List<RootClaim> claims) {
    this.state = state;
    this.file = file;
    this.claims = Collections.unmodifiableList(claims);
    for (RootClaim claim : claims) {
      for (int slot = claim.firstSlot(); slot <= claim.lastSlot(); slot++) {
        bySlot[slot] = claim;
      }
    }
  }

  /**
   * Reads the catalog of the pager's last commit.
   *
   * @param pager an open pager, writable or read-only
   * @return the catalog; empty when the file has none
   * @throws CorruptPageFileException when a record breaks the format
   * @throws IOException when a node of the catalog cannot be read or fails its checksum
   */
  public static RootCatalog of(Pager pager) throws IOException {
    return read(pager.describe(), pager.root(CATALOG_SLOT), pager.root(CATALOG_SLOT + 1),
        () -> pager.readArray(CATALOG_SLOT, RECORD_SIZE)::get);
  }

  /**
   * Reads the catalog of a snapshot's commit.
   *
   * @param snapshot an open snapshot
   * @return the catalog; empty when the file had none at that commit
   * @throws CorruptPageFileException when a record breaks the format
   * @throws IOException when a node of the catalog cannot be read or fails its checksum
   */
  public static RootCatalog of(Snapshot snapshot) throws IOException {
    return read(snapshot.file().describe(), snapshot.root(CATALOG_SLOT), snapshot.root(CATALOG_SLOT + 1),
        () -> snapshot.readArray(CATALOG_SLOT, RECORD_SIZE)::get);
  }

  /**
   * Reads the catalog as a transaction sees it, the claims it made included. Cheap while the
   * transaction changed no claim: the catalog of the last commit is read once and kept until a
   * commit changes it.
   *
   * @param tx an open transaction
   * @return the catalog
   * @throws CorruptPageFileException when a record breaks the format
   * @throws IOException when a node of the catalog cannot be read or fails its checksum
   */
  public static RootCatalog of(Transaction tx) throws IOException {
    RootedStructure open = tx.structureAt(CATALOG_SLOT);
    if ((open == null || !open.tree().isDirty())
        && tx.root(CATALOG_SLOT) == tx.committedRoot(CATALOG_SLOT)
        && tx.root(CATALOG_SLOT + 1) == tx.committedRoot(CATALOG_SLOT + 1)) {
      return tx.committedCatalog(); // no claim made or released in this transaction
    }
    if (open != null) {
      // Opened by a claim earlier in this transaction: its root values are not set until the commit.
      return read(tx.describe(), 0, 0, () -> tx.array(CATALOG_SLOT, RECORD_SIZE)::get, true);
    }
    return read(tx.describe(), tx.root(CATALOG_SLOT), tx.root(CATALOG_SLOT + 1),
        () -> tx.array(CATALOG_SLOT, RECORD_SIZE)::get);
  }

  /**
   * Claims {@code slotCount} consecutive root slots for the structure {@code name}, in the
   * transaction (the claim commits with it): the claim it already has, or the lowest slots that
   * no claim covers and whose values are all zero.
   *
   * @param tx an open transaction
   * @param name the structure's name (see {@link RootClaim})
   * @param kind its kind
   * @param slotCount how many slots, one or more
   * @return the claim
   * @throws RootClaimConflictException when the name is claimed by another kind or for another
   *     number of slots, when no such slots are free, or when the catalog's slots hold another
   *     structure's values
   * @throws IOException when the catalog cannot be read
   */
  public static RootClaim claim(Transaction tx, String name, String kind, int slotCount) throws IOException {
    RootClaim.checkText("name", name, RootClaim.MAX_NAME_LENGTH);
    RootClaim.checkText("kind", kind, RootClaim.MAX_KIND_LENGTH);
    RootClaim.checkRange(0, slotCount);
    RootCatalog catalog = of(tx);
    RootClaim existing = catalog.requireNamed(name, kind, slotCount);
    if (existing != null) {
      return existing;
    }
    for (int first = 0; first + slotCount <= Transaction.ROOT_SLOTS; first++) {
      if (catalog.isFree(tx, first, slotCount)) {
        return catalog.add(tx, new RootClaim(name, kind, first, slotCount));
      }
    }
    throw new RootClaimConflictException(
        tx.describe() + ": no " + slotCount + " consecutive root slots are free for \"" + name + "\" (" + kind
            + "); claimed: " + catalog.claimsOrSelf() + "; a slot with a value but no claim is not free either",
        null);
  }

  /**
   * Returns the claim of {@code name} in the pager's last commit, or makes it in a transaction
   * of its own and commits it: for a structure that opens by name outside any transaction.
   *
   * @param pager an open pager
   * @param name the structure's name
   * @param kind its kind
   * @param slotCount how many slots
   * @return the claim, committed
   * @throws RootClaimConflictException as {@link #claim(Transaction, String, String, int)}
   * @throws PageFileException when there is no such claim and the pager is read-only
   * @throws IOException when the catalog cannot be read, or the commit fails
   * @throws IllegalStateException when a claim must be made and this thread has a transaction
   *     open on the pager already
   */
  public static RootClaim claim(Pager pager, String name, String kind, int slotCount) throws IOException {
    RootClaim.checkText("name", name, RootClaim.MAX_NAME_LENGTH);
    RootClaim.checkText("kind", kind, RootClaim.MAX_KIND_LENGTH);
    RootClaim.checkRange(0, slotCount);
    RootClaim existing = of(pager).requireNamed(name, kind, slotCount);
    if (existing != null) {
      return existing;
    }
    if (pager.isReadOnly()) {
      throw new PageFileException(
          pager.describe() + ": no root slots are claimed as \"" + name + "\" (" + kind
              + "), and a read-only pager cannot claim them");
    }
    try (Transaction tx = pager.begin()) {
      RootClaim claim = claim(tx, name, kind, slotCount);
      tx.commit();
      return claim;
    }
  }

  /**
   * Claims the root slots {@code [firstSlot, firstSlot + slotCount)} for the structure {@code
   * name}, in the transaction: for a structure that lives at fixed slots and wants its name known.
   * The slots may hold values already (a structure that used them before it had a claim).
   *
   * @param tx an open transaction
   * @param name the structure's name
   * @param kind its kind
   * @param firstSlot the first slot
   * @param slotCount how many slots
   * @return the claim, new or the same one made before
   * @throws RootClaimConflictException when another claim covers one of the slots, the name is
   *     claimed elsewhere or as another kind, or the catalog's slots hold another structure's
   *     values
   * @throws IOException when the catalog cannot be read
   */
  public static RootClaim claimAt(Transaction tx, String name, String kind, int firstSlot, int slotCount)
      throws IOException {
    RootClaim wanted = new RootClaim(name, kind, firstSlot, slotCount);
    RootCatalog catalog = of(tx);
    RootClaim existing = catalog.requireNamed(name, kind, slotCount);
    if (existing != null) {
      if (existing.firstSlot() != firstSlot) {
        throw new RootClaimConflictException(
            tx.describe() + ": \"" + name + "\" is claimed at slots " + existing.firstSlot() + "-" + existing.lastSlot()
                + ", not " + firstSlot + "-" + wanted.lastSlot(), existing);
      }
      return existing;
    }
    RootClaim other = catalog.overlapping(firstSlot, slotCount);
    if (other != null) {
      throw new RootClaimConflictException(
          tx.describe() + ": cannot claim root slots " + firstSlot + "-" + wanted.lastSlot() + " for \"" + name
              + "\" (" + kind + "): they overlap " + other, other);
    }
    return catalog.add(tx, wanted);
  }

  /**
   * Removes the claim of {@code name} in the transaction, leaving its slots' values as they are
   * (clear them first if no one should read them again).
   *
   * @param tx an open transaction
   * @param name the structure's name
   * @return whether there was such a claim
   * @throws IOException when the catalog cannot be read
   * @throws IllegalArgumentException when {@code name} is the catalog's own
   */
  public static boolean release(Transaction tx, String name) throws IOException {
    if (name.equals(CATALOG_NAME)) {
      throw new IllegalArgumentException("the catalog's own claim cannot be released");
    }
    RootCatalog catalog = of(tx);
    Optional<RootClaim> claim = catalog.find(name);
    if (claim.isEmpty()) {
      return false;
    }
    tx.array(CATALOG_SLOT, RECORD_SIZE).set(claim.get().firstSlot(), new long[WORDS]);
    return true;
  }

  /**
   * Tells whether the file holds a catalog (some claim was ever made).
   *
   * @return true when slots 30 and 31 hold a catalog
   */
  public boolean exists() {
    return state == State.PRESENT;
  }

  /**
   * Tells whether claims by name can be made in this file: false when slots 30 and 31 hold
   * another structure's values (a file written before the catalog, whose structure kept them).
   *
   * @return true when the catalog exists or both slots are zero
   */
  public boolean acceptsClaims() {
    return state != State.FOREIGN;
  }

  /**
   * Returns every claim, in slot order, the catalog's own (slots 30-31) included when it exists.
   *
   * @return the claims, immutable
   */
  public List<RootClaim> claims() {
    return claims;
  }

  /**
   * Returns the claim of a name.
   *
   * @param name a structure's name
   * @return its claim, or empty
   */
  public Optional<RootClaim> find(String name) {
    return claims.stream().filter(claim -> claim.name().equals(name)).findFirst();
  }

  /**
   * Returns the claim that owns a root slot.
   *
   * @param slot a root slot
   * @return the claim, or empty when no claim covers it
   */
  public Optional<RootClaim> claimOf(int slot) {
    Transaction.checkSlot(slot);
    return Optional.ofNullable(bySlot[slot]);
  }

  /** {@link #claimOf} without the Optional, for the check on every {@link Transaction#setRoot}. */
  @Nullable RootClaim owner(int slot) {
    return bySlot[slot];
  }

  /**
   * Refuses fixed slots that a claim of another structure covers: for a structure opened at
   * fixed slots rather than by name. Slots claimed by exactly this range and kind (the same
   * structure, registered by name) are accepted, and that claim is returned: the structure writes
   * its root values through it ({@link Transaction#setRoot(RootClaim, int, long)}), since a
   * claimed slot refuses a plain {@link Transaction#setRoot(int, long)}.
   *
   * <pre>{@code
   * Optional<RootClaim> own = RootCatalog.of(tx).requireAvailable(base, 5, "my-kind");
   * if (own.isPresent()) {
   *   tx.setRoot(own.get(), 0, config);
   * } else {
   *   tx.setRoot(base, config);
   * }
   * }</pre>
   *
   * @param firstSlot the structure's first slot
   * @param slotCount how many slots it uses
   * @param kind its kind
   * @return the claim over exactly these slots, of this kind; empty when no claim covers them
   * @throws RootClaimConflictException when another claim covers one of the slots
   */
  public Optional<RootClaim> requireAvailable(int firstSlot, int slotCount, String kind) {
    RootClaim.checkRange(firstSlot, slotCount);
    RootClaim own = null;
    for (RootClaim claim : claims) {
      boolean same = claim.firstSlot() == firstSlot && claim.slotCount() == slotCount && claim.kind().equals(kind);
      if (claim.overlaps(firstSlot, slotCount) && !same) {
        throw new RootClaimConflictException(
            file + ": root slots " + firstSlot + "-" + (firstSlot + slotCount - 1) + " are claimed by " + claim
                + "; a " + kind + " cannot use them", claim);
      }
      if (same) {
        own = claim;
      }
    }
    return Optional.ofNullable(own);
  }

  /**
   * {@link #requireAvailable(int, int, String)} against the catalog of the pager's last commit:
   * what a layer opened at fixed slots asks before anything else, so that another structure's
   * claim is what its refusal names.
   *
   * @param pager an open pager
   * @param firstSlot the structure's first slot
   * @param slotCount how many slots it uses
   * @param kind its kind
   * @throws RootClaimConflictException when another claim covers one of the slots
   * @throws PageFileException when the catalog cannot be read
   */
  public static void requireAvailable(Pager pager, int firstSlot, int slotCount, String kind)
      throws PageFileException {
    RootCatalog catalog;
    try {
      catalog = of(pager);
    } catch (PageFileException e) {
      throw e;
    } catch (IOException e) {
      throw new PageFileException(pager.describe() + ": the root catalog cannot be read", e);
    }
    catalog.requireAvailable(firstSlot, slotCount, kind);
  }

  @Override
  public String toString() {
    String content = switch (state) {
      case ABSENT -> "none";
      case FOREIGN -> "slots 30-31 hold another structure";
      case PRESENT -> claims.toString();
    };
    return "RootCatalog[" + file + ", " + content + "]";
  }

  // ---------------------------------------------------------------------------------------------

  private static RootCatalog read(String file, long rootPage, long rootMeta, ArraySource source) throws IOException {
    return read(file, rootPage, rootMeta, source, false);
  }

  /** What {@link #read} needs to open the array, only once it knows the slots hold one. */
  @FunctionalInterface
  private interface ArraySource {
    Records open();
  }

  private static RootCatalog read(String file, long rootPage, long rootMeta, ArraySource source, boolean opened)
      throws IOException {
    if (!opened && rootPage == 0 && rootMeta == 0) {
      return new RootCatalog(State.ABSENT, file, new ArrayList<>());
    }
    if (!opened && (rootPage == 0 || ((rootMeta >>> 40) & 0xFFFF) != RECORD_SIZE)) {
      return new RootCatalog(State.FOREIGN, file, new ArrayList<>());
    }
    Records records = source.open();
    long[] self = records.get(CATALOG_SLOT);
    if (isZero(self)) {
      // A catalog opened by a claim in this transaction, before that claim wrote it.
      return new RootCatalog(opened ? State.ABSENT : State.FOREIGN, file, new ArrayList<>());
    }
    if (!SELF.equals(decodeOrNull(self, CATALOG_SLOT))) {
      // A 64-byte record array of some structure of its own, not a catalog.
      return new RootCatalog(State.FOREIGN, file, new ArrayList<>());
    }
    List<RootClaim> claims = new ArrayList<>();
    int coveredTo = 0;
    for (int slot = 0; slot < CATALOG_SLOT; slot++) {
      long[] words = records.get(slot);
      if (isZero(words)) {
        continue;
      }
      RootClaim claim = decodeOrNull(words, slot);
      if (claim == null) {
        throw new CorruptPageFileException(file + ": root catalog record " + slot + " is not a valid claim");
      }
      if (slot < coveredTo || claim.lastSlot() >= CATALOG_SLOT) {
        throw new CorruptPageFileException(
            file + ": root catalog record " + slot + " claims " + claim + ", which overlaps another claim");
      }
      coveredTo = claim.lastSlot() + 1;
      claims.add(claim);
    }
    claims.add(SELF);
    return new RootCatalog(State.PRESENT, file, claims);
  }

  /** The claim of this name, checked against what is asked; null when the name is free. */
  private @Nullable RootClaim requireNamed(String name, String kind, int slotCount) {
    if (state == State.FOREIGN) {
      throw new RootClaimConflictException(
          file + ": root slots " + CATALOG_SLOT + "-" + (CATALOG_SLOT + 1)
              + ", where the root catalog lives, hold another structure's values; this file cannot hold claims by"
              + " name (open that structure at fixed slots)", null);
    }
    RootClaim existing = find(name).orElse(null);
    if (existing != null && (!existing.kind().equals(kind) || existing.slotCount() != slotCount)) {
      throw new RootClaimConflictException(
          file + ": \"" + name + "\" is claimed as " + existing + ", not as a " + kind + " of " + slotCount
              + " slot(s)", existing);
    }
    return existing;
  }

  private @Nullable RootClaim overlapping(int first, int count) {
    for (RootClaim claim : claimsOrSelf()) {
      if (claim.overlaps(first, count)) {
        return claim;
      }
    }
    return null;
  }

  /** The claims, with the catalog's own even before it is written: a new claim writes it. */
  private List<RootClaim> claimsOrSelf() {
    return state == State.PRESENT ? claims : List.of(SELF);
  }

  /** No claim covers the range, no slot in it has a value, and no structure of the transaction uses it. */
  private boolean isFree(Transaction tx, int first, int count) {
    if (overlapping(first, count) != null) {
      return false;
    }
    for (int slot = first; slot < first + count; slot++) {
      if (tx.root(slot) != 0 || tx.structureAt(slot) != null || (slot > 0 && tx.structureAt(slot - 1) != null)) {
        return false;
      }
    }
    return true;
  }

  private RootClaim add(Transaction tx, RootClaim claim) throws IOException {
    PersistentArray array = tx.array(CATALOG_SLOT, RECORD_SIZE);
    if (state != State.PRESENT) {
      array.set(CATALOG_SLOT, encode(SELF));
    }
    array.set(claim.firstSlot(), encode(claim));
    return claim;
  }

  // ---------------------------------------------------------------------------------------------
  // The record (FORMAT.md, "Root catalog"): FIRST u8, COUNT u8, NAME_LENGTH u8, KIND_LENGTH u8,
  // reserved u32, NAME 32 bytes, KIND 24 bytes; little-endian words, as every record array.

  static long[] encode(RootClaim claim) {
    byte[] bytes = new byte[RECORD_SIZE];
    byte[] name = claim.name().getBytes(StandardCharsets.US_ASCII);
    byte[] kind = claim.kind().getBytes(StandardCharsets.US_ASCII);
    bytes[0] = (byte) claim.firstSlot();
    bytes[1] = (byte) claim.slotCount();
    bytes[2] = (byte) name.length;
    bytes[3] = (byte) kind.length;
    System.arraycopy(name, 0, bytes, NAME_OFFSET, name.length);
    System.arraycopy(kind, 0, bytes, KIND_OFFSET, kind.length);
    long[] words = new long[WORDS];
    for (int i = 0; i < RECORD_SIZE; i++) {
      words[i / 8] |= (bytes[i] & 0xFFL) << (8 * (i % 8));
    }
    return words;
  }

  /** The claim a record at index {@code slot} holds, or null when it breaks the format. */
  static @Nullable RootClaim decodeOrNull(long[] words, int slot) {
    byte[] bytes = new byte[RECORD_SIZE];
    for (int i = 0; i < RECORD_SIZE; i++) {
      bytes[i] = (byte) (words[i / 8] >>> (8 * (i % 8)));
    }
    int first = bytes[0] & 0xFF;
    int count = bytes[1] & 0xFF;
    int nameLength = bytes[2] & 0xFF;
    int kindLength = bytes[3] & 0xFF;
    if (first != slot || nameLength > RootClaim.MAX_NAME_LENGTH || kindLength > RootClaim.MAX_KIND_LENGTH
        || bytes[4] != 0 || bytes[5] != 0 || bytes[6] != 0 || bytes[7] != 0
        || !zeroFrom(bytes, NAME_OFFSET + nameLength, KIND_OFFSET)
        || !zeroFrom(bytes, KIND_OFFSET + kindLength, RECORD_SIZE)) {
      return null;
    }
    try {
      return new RootClaim(
          new String(bytes, NAME_OFFSET, nameLength, StandardCharsets.US_ASCII),
          new String(bytes, KIND_OFFSET, kindLength, StandardCharsets.US_ASCII), first, count);
    } catch (IllegalArgumentException e) {
      return null; // empty, unprintable, or slots past the last
    }
  }

  private static boolean zeroFrom(byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean isZero(long[] words) {
    for (long word : words) {
      if (word != 0) {
        return false;
      }
    }
    return true;
  }
}
