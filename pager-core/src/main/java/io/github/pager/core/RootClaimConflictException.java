package io.github.pager.core;

import org.jspecify.annotations.Nullable;

/**
 * A structure asked for root slots that another structure owns: a claim by name that overlaps
 * another claim, a name already claimed by another kind, a structure opened at fixed slots that
 * a claim of another structure covers, a file whose catalog slots hold something else, or a
 * plain {@link Transaction#setRoot(int, long)} on a slot a claim covers (and a write through a
 * claim the catalog does not hold). Nothing was changed.
 */
public final class RootClaimConflictException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final transient @Nullable RootClaim owner;

  /**
   * Creates the exception.
   *
   * @param message what was asked and what is in the way, naming the file
   * @param owner the claim in the way, or null when the slots hold something without a claim
   */
  public RootClaimConflictException(String message, @Nullable RootClaim owner) {
    super(message);
    this.owner = owner;
  }

  /**
   * Returns the claim in the way.
   *
   * @return the claim that owns the slots asked for, or null when what is in the way has no claim
   *     (the catalog's slots holding another structure's values, or no free slots left)
   */
  public @Nullable RootClaim owner() {
    return owner;
  }
}
