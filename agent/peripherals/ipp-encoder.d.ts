// Types for ipp-encoder (it ships none): the subset the CUPS client uses. A decoded message keeps the
// wire order of groups and attributes; every attribute holds a list of values.
declare module 'ipp-encoder' {
  export interface IppAttribute {
    tag: number;
    name: string;
    value: Array<string | number | boolean | Date | { lang: string; value: string }>;
  }
  export interface IppGroup {
    tag: number;
    attributes: IppAttribute[];
  }
  export interface IppMessage {
    version?: { major: number; minor: number };
    operationId?: number;
    statusCode?: number;
    requestId: number;
    groups: IppGroup[];
  }
  interface Codec {
    encode(message: IppMessage, buffer?: Buffer, offset?: number): Buffer;
    encodingLength(message: IppMessage): number;
    decode(buffer: Buffer, start?: number, end?: number): IppMessage;
  }
  const ipp: { request: Codec; response: Codec; CONSTANTS: Record<string, number> };
  export default ipp;
}
