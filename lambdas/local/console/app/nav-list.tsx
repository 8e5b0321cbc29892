/**
 * A list of links the keyboard can walk: Tab reaches the list once (on its current item), the arrow
 * keys, Home and End move between items, Enter follows the link. (The roving tabindex of the WAI-ARIA
 * practices, on plain links so that screen readers announce them as such.)
 */
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';

export interface NavItem {
  key: string;
  href: string;
  /** What the link reads as. */
  label: ComponentChildren;
  /** Shown after the link. */
  detail?: ComponentChildren;
  current?: boolean;
}

export function NavList({ label, items, empty }: { label: string; items: readonly NavItem[]; empty: string }) {
  const [active, setActive] = useState(0);
  const list = useRef<HTMLUListElement>(null);
  if (items.length === 0) return <p class="empty">{empty}</p>;
  const focused = Math.min(active, items.length - 1);
  const move = (index: number) => {
    const next = Math.max(0, Math.min(items.length - 1, index));
    setActive(next);
    list.current?.querySelectorAll<HTMLAnchorElement>('a')[next]?.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[e.key];
    if (step !== undefined) move(focused + step);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(items.length - 1);
    else return;
    e.preventDefault();
  };
  return (
    <ul class="nav-list" aria-label={label} ref={list} onKeyDown={onKeyDown}>
      {items.map((item, i) => (
        <li key={item.key} class={item.current ? 'current' : undefined}>
          <a href={item.href} tabIndex={i === focused ? 0 : -1} aria-current={item.current ? 'page' : undefined} onFocus={() => setActive(i)}>
            {item.label}
          </a>
          {item.detail && <span class="detail">{item.detail}</span>}
        </li>
      ))}
    </ul>
  );
}
