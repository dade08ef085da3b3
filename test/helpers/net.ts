export { freeLoopbackPort as freePort } from "@/lib/net/free-port";
