// What the figures were measured on: they are ratios, but the machine still explains their noise.
import { cpus, totalmem } from 'node:os';

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly platform: string;
  readonly memoryBytes: number;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cores: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    memoryBytes: totalmem(),
  };
}

export function describeMachine(machine: MachineInfo): string {
  const memory = `${(machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB`;
  return `${machine.cores} × ${machine.cpuModel}, ${memory} RAM, Node ${machine.node} (${machine.platform})`;
}
