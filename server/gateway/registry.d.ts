import type { Gateway } from '../../protocol';
export declare function registerGateway(gateway: Gateway): void;
export declare function findGateway(id: string): Gateway | undefined;
export declare function openGatewayIds(): string[];
