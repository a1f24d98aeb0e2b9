// fp-ts's Either, as values of the same shape, built here: importing the few functions
// the codec uses from fp-ts/lib would bundle its CommonJS build (some 20 KB minified)
// beside the ES build that io-ts brings. The type is fp-ts's own. Every module of the
// codec (the HTTP API's too) takes its Either from here, never from fp-ts/lib at run time.
import type { Either, Left, Right } from 'fp-ts/lib/Either.js';

export type { Either };

/** fp-ts `left`. */
export const left = <E, A = never>(e: E): Either<E, A> => ({ _tag: 'Left', left: e });

/** fp-ts `right`. */
export const right = <A, E = never>(a: A): Either<E, A> => ({ _tag: 'Right', right: a });

/** fp-ts `isLeft`. */
export const isLeft = <E, A>(ma: Either<E, A>): ma is Left<E> => ma._tag === 'Left';

/** fp-ts `isRight`. */
export const isRight = <E, A>(ma: Either<E, A>): ma is Right<A> => ma._tag === 'Right';
