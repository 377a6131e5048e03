/** The one emulator set-up of a test file, for every layer that runs against the emulator. */
import { strict as assert } from 'node:assert';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/emulator';

/** One emulator for a test file: started in before(), reset in beforeEach(), closed in after(). */
export function useEmulator(options: EmulatorOptions = {}): { readonly emu: Emulator } {
  const holder: { emu?: Emulator } = {};
  before(async () => {
    holder.emu = await startEmulator(options);
  });
  beforeEach(() => holder.emu?.reset());
  after(async () => {
    await holder.emu?.close();
  });
  return {
    get emu(): Emulator {
      assert.ok(holder.emu, 'emulator not started');
      return holder.emu;
    },
  };
}
