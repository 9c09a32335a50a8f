/** The patient's sharing: directory, consent making, grants and access sessions. */
export class SharingState {
  async recordsAdded(): Promise<void> {}
  dispose(): void {}
}
