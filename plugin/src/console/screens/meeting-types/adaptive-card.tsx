import { useId, type ReactNode } from 'react';

/**
 * A preview of the Adaptive Card the Teams bot sends: the elements Parley's cards use (text blocks,
 * fact sets, containers, a choice set and actions), drawn plainly. It is a picture of the card, so
 * nothing in it can be pressed.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);

function TextBlock({ block }: { block: Json }) {
  const classes = ['card-text'];
  if (block.weight === 'Bolder') classes.push('card-text-bold');
  if (block.size === 'Medium' || block.size === 'Large' || block.size === 'ExtraLarge') classes.push('card-text-large');
  if (block.color === 'Attention') classes.push('card-text-attention');
  return <p className={classes.join(' ')}>{text(block.text)}</p>;
}

function ChoiceSet({ input }: { input: Json }) {
  const name = useId();
  return (
    <fieldset className="card-choices" disabled>
      <legend>{text(input.label) || text(input.id)}</legend>
      {list(input.choices).map((choice) => (
        <label key={text(choice.value)} className="card-choice">
          <input type="radio" name={name} value={text(choice.value)} /> {text(choice.title)}
        </label>
      ))}
    </fieldset>
  );
}

function Element({ element }: { element: Json }): ReactNode {
  switch (element.type) {
    case 'TextBlock':
      return <TextBlock block={element} />;
    case 'FactSet':
      return (
        <dl className="card-facts">
          {list(element.facts).map((fact, i) => (
            <div key={i}>
              <dt>{text(fact.title)}</dt>
              <dd>{text(fact.value)}</dd>
            </div>
          ))}
        </dl>
      );
    case 'Container':
      return <Elements elements={list(element.items)} />;
    case 'ColumnSet':
      return (
        <div className="card-columns">
          {list(element.columns).map((column, i) => (
            <div key={i}>
              <Elements elements={list(column.items)} />
            </div>
          ))}
        </div>
      );
    case 'Input.ChoiceSet':
      return <ChoiceSet input={element} />;
    default:
      // Elements Parley's cards do not use are left out of the preview rather than guessed at.
      return null;
  }
}

function Elements({ elements }: { elements: Json[] }) {
  return (
    <>
      {elements.map((element, i) => (
        <Element key={i} element={element} />
      ))}
    </>
  );
}

export function AdaptiveCardPreview({ card, label }: { card: unknown; label: string }) {
  if (!isObject(card) || card.type !== 'AdaptiveCard') return <p>The card could not be shown.</p>;
  const actions = list(card.actions);
  return (
    <figure className="adaptive-card" aria-label={label} data-testid="card-preview" lang={text(card.lang) || undefined}>
      <Elements elements={list(card.body)} />
      {actions.length > 0 ? (
        <div className="card-actions">
          {actions.map((action, i) => (
            <span key={i} className="card-action" data-action-type={text(action.type)}>
              {text(action.title)}
            </span>
          ))}
        </div>
      ) : null}
    </figure>
  );
}
