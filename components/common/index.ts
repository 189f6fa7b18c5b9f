export * from "./naming";
export * from "./iam";
export * from "./kms";
export * from "./containers";
export * from "./ecs";
export * from "./lambda";
export * from "./listeners";
