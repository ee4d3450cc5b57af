/**
 * What of QEMU's stderr belongs in an error a user reads. Under TCG, QEMU warns once per CPU
 * feature the chosen CPU model asks for and TCG cannot emulate ("warning: TCG doesn't support
 * requested feature: CPUID.01H:ECX.vmx [bit 5]", a dozen lines per boot). They are expected
 * and harmless, and in an error they bury the one line that says what went wrong, so messages
 * leave them out; `QemuVm.qemuStderr()` still returns everything for logs.
 */
const NOISE = [/TCG doesn't support requested feature/];

/** stderr without the expected warnings, trimmed; '' when nothing else was said. */
export function qemuStderrForUsers(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !NOISE.some((re) => re.test(line)))
    .join('\n')
    .trim();
}

/** "\nQEMU said: ..." for an error message, or '' when QEMU said nothing that matters. */
export function qemuSaid(stderr: string): string {
  const said = qemuStderrForUsers(stderr);
  return said ? `\nQEMU said: ${said}` : '';
}
