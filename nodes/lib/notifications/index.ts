// MQTT push notifications from the robot (robot-server 7.2+): the shared connection the config node
// owns, and the watcher Source that turns hints into refetches.
export { RobotNotifications, type NotificationsOptions, type PushState, type SubscriptionSpec, type TopicSubscription } from './connection';
export { PushSource, DEFAULT_SAFETY_POLL_MS, type PushSourceOptions } from './push-source';
export { dialectOf, parseHint, runsTopic, runTopic, commandsTopic, isSubscribableTopic, type Hint, type NotificationDialect } from './topics';
export { robotPush, DEFAULT_MQTT_PORT, type RobotPush, type RobotPushConfig } from './robot-push';
