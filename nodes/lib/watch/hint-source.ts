// A polling Source that also reads at once when the robot publishes a refetch hint on one MQTT topic
// (e.g. `robot-server/deck_configuration`, which robot-server publishes after every valid PUT). Polling
// keeps going, so a lost hint or a broker that is down costs at most one interval.
import type { RobotNotifications, TopicSubscription } from '../notifications';
import { PollingSource, type RefetchSink, type Settled, type WatchSource } from './source';

export class TopicHintSource implements WatchSource {
  private readonly polling = new PollingSource();
  private sub: TopicSubscription | undefined;

  constructor(
    private readonly notifications: RobotNotifications,
    private readonly topic: string,
  ) {}

  get kind(): string {
    return this.sub?.active ? 'push' : 'polling';
  }

  start(sink: RefetchSink): Promise<void> {
    this.sub = this.notifications.subscribe({ topics: () => [this.topic], onHint: () => sink.trigger('poll') });
    return this.polling.start(sink);
  }

  watching(): void {
    // One fixed topic; nothing follows a run.
  }

  settled(state: Settled): void {
    this.polling.settled(state);
  }

  stop(): void {
    this.polling.stop();
    this.sub?.close();
    this.sub = undefined;
  }
}
