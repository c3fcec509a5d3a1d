/**
 * Renders the election machine as a Mermaid state diagram, straight from its definition, so
 * the picture in the docs cannot drift from the code (a test compares them).
 *
 * @module
 */
import type { AnyStateMachine } from 'xstate';

interface TransitionLike {
  readonly target?: readonly { readonly id: string }[] | undefined;
  readonly guard?: unknown;
  readonly eventType: string;
}

interface NodeLike {
  readonly id: string;
  readonly key: string;
  readonly type: string;
  readonly states: Record<string, NodeLike>;
  readonly transitions: Map<string, readonly TransitionLike[]>;
  readonly always?: readonly TransitionLike[] | undefined;
  readonly initial?: { readonly target: readonly { readonly id: string }[] } | undefined;
  readonly invoke: readonly { readonly src: unknown; readonly id: string }[];
}

const mermaidId = (id: string) => id.replace(/^[^.]+\./, '').replace(/[.-]/g, '_');

function eventLabel(node: NodeLike, eventType: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after) return `after ${after[1]}`;
  if (eventType.startsWith('xstate.done.actor.')) return `${invokedSource(node)} done`;
  if (eventType.startsWith('xstate.error.actor.')) return `${invokedSource(node)} failed`;
  if (eventType.startsWith('xstate.done.state.')) return 'finished';
  return eventType;
}

function invokedSource(node: NodeLike): string {
  const src = node.invoke[0]?.src;
  return typeof src === 'string' ? src : 'actor';
}

function guardLabel(guard: unknown): string {
  if (guard === undefined) return '';
  if (typeof guard === 'string') return ` [${guard}]`;
  if (typeof guard === 'object' && guard !== null && 'type' in guard) {
    return ` [${String((guard as { type: unknown }).type)}]`;
  }
  return ' [guarded]';
}

function render(node: NodeLike, lines: string[], indent: string): void {
  const children = Object.values(node.states);
  for (const child of children) {
    const id = mermaidId(child.id);
    if (Object.keys(child.states).length > 0) {
      lines.push(`${indent}state "${child.key}" as ${id} {`);
      render(child, lines, `${indent}  `);
      lines.push(`${indent}}`);
    } else if (child.key !== id) {
      lines.push(`${indent}state "${child.key}" as ${id}`);
    }
    if (child.invoke.length > 0) {
      lines.push(`${indent}${id} : invokes ${child.invoke.map((i) => String(i.src)).join(', ')}`);
    }
  }
  const initial = node.initial?.target[0];
  if (initial) lines.push(`${indent}[*] --> ${mermaidId(initial.id)}`);
  for (const child of children) {
    const from = mermaidId(child.id);
    const edges: [TransitionLike, string][] = [];
    for (const [eventType, transitions] of child.transitions) {
      for (const t of transitions) edges.push([t, eventLabel(child, eventType)]);
    }
    for (const t of child.always ?? []) edges.push([t, 'always']);
    for (const [t, label] of edges) {
      for (const target of t.target ?? []) {
        lines.push(`${indent}${from} --> ${mermaidId(target.id)} : ${label}${guardLabel(t.guard)}`);
      }
    }
    if (child.type === 'final') lines.push(`${indent}${from} --> [*]`);
  }
}

/** The machine's states and targeted transitions as Mermaid `stateDiagram-v2` source. */
export function toMermaid(machine: AnyStateMachine): string {
  const lines = ['stateDiagram-v2'];
  render(machine.root as unknown as NodeLike, lines, '  ');
  return `${lines.join('\n')}\n`;
}
