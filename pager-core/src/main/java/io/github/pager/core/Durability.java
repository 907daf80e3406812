package io.github.pager.core;

/** How far a commit goes before it returns. */
public enum Durability {
  /**
   * The full protocol: a commit returns only after the pages it names and then its metadata record
   * have been synced, so it survives a power loss. The default.
   */
  SYNC,

  /**
   * No syncs: a commit is a few memory stores. It survives the process crashing (the OS page
   * cache keeps the stores) but not the machine losing power; call {@link Pager#sync()} at the
   * points that must survive that.
   */
  NONE
}
