// Types of assemble.js, which stays plain CommonJS so that the build script and the lint configuration
// can require it without compiling anything.

export interface AgentLayout {
  /** The folder of the agent's modules, beside assemble.js (and the folder it ships in, under dist/agents/). */
  folder: string;
  /** The file it ships as. */
  file: string;
  /** How a comment begins in the agent's language. */
  comment: RegExp;
}

export declare const AGENTS: Readonly<Record<'python' | 'node', AgentLayout>>;

export interface AgentModule {
  file: string;
  text: string;
}

export declare function agentModules(kind: string, agentsDir?: string): AgentModule[];
export declare function joinModules(texts: string[]): { text: string; firstLines: number[] };
export declare function assembleAgent(kind: string, agentsDir?: string): string;
export declare function writeAgents(dest: string, agentsDir?: string): void;
