// A simulated walk, for browsers that do not (or may not) share their location: a walker
// at about walking speed who turns a little at random and heads back when too far from home.
import { fromMetres } from './geo.mjs';

export class SimulatedWalk {
  constructor({ home, radius = 250, speed = 1.4, random = Math.random }) {
    this.home = home;
    this.radius = radius;
    this.speed = speed;
    this.random = random;
    const r = (radius / 2) * Math.sqrt(random());
    const a = random() * 2 * Math.PI;
    this.x = r * Math.cos(a);
    this.y = r * Math.sin(a);
    this.heading = random() * 2 * Math.PI;
  }

  // Advances the walker by dtSeconds and returns its position ({lat, lon}).
  step(dtSeconds) {
    this.heading += (this.random() - 0.5) * 0.9;
    if (Math.hypot(this.x, this.y) > this.radius) {
      // Turn toward home rather than jump there, so the trail stays a walk.
      const homeward = Math.atan2(-this.y, -this.x);
      const diff = Math.atan2(Math.sin(homeward - this.heading), Math.cos(homeward - this.heading));
      this.heading += diff * 0.5;
    }
    const d = this.speed * Math.max(0, dtSeconds);
    this.x += d * Math.cos(this.heading);
    this.y += d * Math.sin(this.heading);
    return this.position();
  }

  position() {
    return fromMetres(this.home, { x: this.x, y: this.y });
  }
}
