// The official Azure client SDKs the web app uses, as one browser module. scripts/build-web.sh bundles this file with
// esbuild into dist/sdks.js, which the app imports; the page never loads this file itself (its imports are npm names).
export { WebPubSubClient, WebPubSubJsonProtocol } from "@azure/web-pubsub-client";
export { ChatClient } from "@azure/communication-chat";
export { AzureCommunicationTokenCredential } from "@azure/communication-common";
