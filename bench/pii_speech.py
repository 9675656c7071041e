"""The spoken-names PII corpus: hand-written utterances (`bench/pii_speech.yaml`), labelled inline.

A third corpus from a third source (neither ``pii_calls.yaml``'s templates nor the first corpus):
utterances written by hand as Whisper transcribes call-centre speech, lower case and disfluent,
with names said with no cue word before them, split by "euh"/"uh", said twice or spelled, agents'
names, and hard negatives (common words that are also names, months, brands, places, the tenant's
name). Written for the names gap issue 22 left (held-out names recall 0.872).

**Twenty-two splits. ``dev`` and ``dev2`` were tuned on from the start; ``heldout2`` and
``heldout3`` were held out and read several times, and from the recall round of issue 22 on
they are TUNING splits too: their errors are read (``--errors``) and their figures are no
blind measure.
``heldout4`` was the blind measure of the first recall round, read once; from the second recall
round on it is a TUNING split too. ``heldout5`` was the blind measure of the second recall round,
read once; from the third on it is a TUNING split too. ``heldout6`` was the blind measure of the
third recall round, read once; from the fourth on it is a TUNING split too. ``heldout7`` was the
blind measure of the fifth recall round, read once; from the sixth on it is a TUNING split too.
``heldout8`` was written blind by a seventh engineer, from yet another source, and read once blind
after the sixth recall round; from the seventh on it is a TUNING split too. ``heldout9`` was
written blind by an eighth engineer, from yet another source, and read once blind after the seventh
recall round; from the eighth on it is a TUNING split too. ``heldout10`` was written blind by a
ninth engineer, from yet another source, and read once blind after the eighth recall round; from
the ninth on it is a TUNING split too. ``heldout11`` was written blind by a tenth engineer, from
yet another source, and read once blind after the ninth recall round; from the tenth on it is a
TUNING split too. ``heldout12`` was written blind by an eleventh engineer, from yet another source,
and read once blind after the tenth recall round; from the eleventh on it is a TUNING split too.
``heldout13`` was written blind by a twelfth engineer, from yet another source, and read once blind
after the eleventh recall round; from the twelfth on it is a TUNING split too. ``heldout14`` was
written blind by a thirteenth engineer, from yet another source, and read once blind after the
twelfth recall round; from the thirteenth on it is a TUNING split too. ``heldout15`` was written
blind by a fourteenth engineer, from yet another source, and read once blind after the twelfth
recall round and the US given names; from the thirteenth round on it is a TUNING split too.
``heldout16`` was written blind by a fifteenth engineer, from yet another source, read once
blind after the thirteenth round and is a TUNING split from the fourteenth. ``heldout17`` was
written blind by a sixteenth engineer, from yet another source, read once blind after the
fourteenth round and is a TUNING split from the fifteenth. ``heldout18`` was written blind by a
seventeenth engineer, from yet another source, read once blind after the fifteenth round and is a
TUNING split from the sixteenth. ``heldout19`` was written blind by an eighteenth engineer, from
yet another source, read once blind after the sixteenth round and is a TUNING split from the
seventeenth. ``heldout20`` was written blind by a nineteenth engineer, from yet another source;
only measured, not read yet. ``heldout21`` was written blind by a twentieth engineer, from yet
another source; only measured, not read yet.** Names and digests
of the splits are kept. ``dev2`` (the names work after issue 22) holds the hard cases ``dev`` lacks:
surnames of many origins in no list, surnames alone, first names that are common words used as
names, names spelled with "comme"/"apostrophe", and hard negatives that are surnames too (brands,
towns); it was written and measured before the rules it tunes changed. ``heldout2`` was written and
committed before any recognizer change; ``heldout3`` was written by another engineer than the
rules', blind to them, and committed before the rules changed. ``heldout4`` was written blind by a
third engineer, from another source (raw Whisper output of inbound calls in sectors the other
splits lack: a mutuelle, insurance claims, a hospital's appointment line, a mobile operator's
porting desk, car hire, a housing association's repairs line, a courier's lost parcels, council
tax), several tenants per language; read once, then tuned on. ``heldout5`` was written blind by a
fourth engineer, from yet another source: what Whisper makes of callers' voicemails and call-back
messages, of agents' transfers and hand-overs to a colleague, of outbound calls (collections,
satisfaction surveys, appointment reminders, delivery slots) where the customer corrects the
details read to them, and of noisy lines (misheard names and streets, numbers half words half
digits), in sectors no other split covers (a bank's card-blocking line, a school canteen service, a
veterinary clinic, furniture deliveries, a gym, a ticketing line, a building society, student
loans); read once, then tuned on. ``heldout6`` was written blind by a fifth engineer, from yet
another source: third parties calling for someone else (two people's details in one call), form
filling field by field, IVR and callbot turns followed by an agent, elderly or hesitant callers
(numbers in pairs, "double", names spelled with towns), code-switching as Whisper garbles it, in
sectors no other split covers (a pension fund, broadband faults, a pharmacy's repeat prescriptions,
a driving school, airline lost baggage, parking fines, a letting agency, a temp agency); read once,
then tuned on. ``heldout7`` was written blind by a sixth engineer, from yet another source: about
half its rows as faster-whisper writes them by default (capitalised, punctuated, numbers formatted
by the model, e-mails well-formed or half-heard, turns cut mid-sentence), the rest lower case and
disfluent as before; identity verification, moving house and change of details (old and new address
or number in one call), messages dictated to be passed on and callback confirmations, angry
complaints reading out transaction references beside the caller's own numbers, in sectors no other
split covers (removals, a dental practice, a water utility, boiler servicing, a mobile-phone
insurer, a public library, a car-breakdown service, university admissions); read once, then tuned
on. ``heldout8`` was written blind by a seventh engineer, from yet another source: payments and
billing disputes (cards read in groups of four, expiry dates and amounts as negatives, UK sort
codes and account numbers, French RIB/IBAN read in pieces, direct-debit mandate references), health
and social lines (numéro de sécurité sociale read in pieces, NHS numbers, appointment times as
negatives), travel and hospitality (booking references registered by one tenant and not by the
other, passport numbers, car registrations), spelling alphabets (NATO, "a comme…", "s as in sugar")
and callers' names of many origins as Whisper garbles them; about a third of its rows in
faster-whisper's default form; in sectors no other split covers (two credit unions, two GP
surgeries, a home-care agency, a hotel chain, a ferry line, a health cash plan); read once, then
tuned on. ``heldout9`` was written blind by an eighth engineer, from yet another source: Whisper's
artefacts (lines hallucinated in silences and hold music as hard negatives, phrases looped three or
four times with a number or name labelled at each mention, words cut at a segment boundary),
regional callers (Belgian and Swiss French with "septante"/"nonante"/"huitante", +32 and +41
numbers, four-digit postcodes; Irish and Scottish English with +353 numbers, Eircodes, townlands,
Scottish postcodes), overlapping speech merged into one turn (the agent's script and the caller's
details interleaved), callers reading details off a letter or a screen (other people's details
too), teenagers and young adults with slang; about a third of its rows in faster-whisper's default
form; in sectors no other split covers (a cross-border rail operator, a Belgian energy retailer, a
Swiss watch repairer, student housing, an Irish fibre provider, a Scottish council's waste line, a
phone-repair chain, a concert promoter); read once, then tuned on. ``heldout10`` was written blind
by a ninth engineer, from yet another source: callers beyond the home countries (Québécois callers
with postal codes said in pieces and ten-digit numbers; West and North African callers on a French
line with +212/+221/+225 numbers and addresses by quartier, "bp", "lot", "cité"; overseas France
with 97x postcodes and 0690/0696 mobiles; Australian, Indian, Canadian and US callers with "unit 3
slash 12", PIN, postal and ZIP codes, +61 and +91 numbers, names of Indian, Chinese, Vietnamese and
Filipino origin), motor and home insurance claims (third parties' and witnesses' details labelled,
vehicle registrations labelled only where the tenant registers their format, claim numbers
unlabelled), debt collection and payment plans (a relative as a contact; employers, company
addresses, amounts and instalment counts as hard negatives), and diarization slips (a value cut by
the other speaker's backchannel, or finished by the agent: one label across the turns); about a
third of its rows in faster-whisper's default form; in sectors no other split covers (a Québec
telecom, a Dakar-based remittance service, two motor insurers, an overseas-France utility, two debt
collectors, an Australian energy retailer, an Indian-run travel desk, a Canadian home insurer);
read once, then tuned on. ``heldout11`` was written blind by a tenth engineer, from yet another
source: public services and tax (a French tax office with the 13-digit numéro fiscal, a family
benefits office's numéro d'allocataire, a job centre's identifiant France Travail; a UK tax office
with the ten-digit UTR and National Insurance numbers said in pieces, a council tax line, a housing
office; details confirmed field by field and volunteered in one breath), bank fraud lines
(merchants, amounts, dates, times and places of disputed payments and a card's last four digits as
hard negatives, the new card's delivery address, security answers: a mother's maiden name labelled,
a pet's name not), interpreter-mediated and relay calls ("il dit que son nom c'est…", "he says his
name is…", a relay operator reading typed text, a carer or a neighbour passing the phone),
deliveries and returns (a neighbour's name labelled; a house number said alone, locker codes,
tracking and order numbers, pickup points named after shops left unlabelled), e-mails dictated with
symbols as words ("tiret du six", "tiret du bas", "underscore", "hyphen", "dash") at local ISPs;
about a third of its rows in faster-whisper's default form; in sectors no other split covers (a tax
office, a family benefits office, a job centre, a bank's fraud line, an interpreting service, a
parcel carrier; a UK tax office, a council tax line, a housing office, a bank's fraud team, an
interpreting and relay service, an online retailer's returns desk); read once, then tuned on.
``heldout12`` was written blind by an eleventh engineer, from yet another source: telecom and
home-internet tech support (account, subscriber and contract numbers, a login, the customer's own
box serial where the tenant registers its format, the line's number and the install address
labelled; MAC addresses, Wi-Fi network names and keys, line test figures, engineer visit slots and
incident numbers as hard negatives), letting and estate agencies (tenants, landlords, guarantors
and vendors, the rented flat or the house for sale labelled, the agency's office not; tenant
references and deposit protection numbers labelled where the tenant registers them), schools and
childcare admin (children, parents, teachers, grandparents authorised to collect; class names and
schools named after a person as negatives), bereavement and estate calls (the deceased, executors,
next of kin; funeral directors' company names as negatives), ASR homophones in numbers and
spellings ("for"/"four", "to"/"too", "ate", "vin", "sans", "oui" for "huit", "cette", "mil",
letters heard as words: "bee", "sea", "why", "hache", "i grec"), stutters and restarted digits;
about a third of its rows in faster-whisper's default form; in sectors no other split covers (a
fibre ISP, a cable TV operator, a letting and sales agency, a town's childhood service, a
funeral-plan provider; a broadband provider, a cable TV operator, a letting and estate agency, a
primary school, a probate service); read once, then tuned on. ``heldout13`` was written blind by a
twelfth engineer, from yet another source: hospitality and reservations (guests' names for a table
or a room, their phone and e-mail, loyalty numbers labelled where registered; booking references,
room and table numbers, times and the hotel's own address as hard negatives), charity donors and
subscriptions (IBANs, sort codes and account numbers read in pieces, a gift-aid or tax-receipt home
address, supporter, subscriber and gym member numbers labelled; campaign and offer codes
unlabelled), notaries, solicitors and property (sellers, buyers, heirs; the home sold or inherited
labelled; parcel, title and file references and the office's address unlabelled), trades call-outs
(the home given in pieces or as directions and landmarks, labelled where they locate it; job
numbers and meeting places unlabelled), outbound surveys and telemarketing (details read back,
corrected or refused, a number put on a do-not-call list), name forms (surname first, titles,
particles, double surnames, a name repeated in another form) and faster-whisper's number
normalisation ("+33 6 …", "06.39.…", "(0113) 496 …", digits in one turn and words in the next);
about a third of its rows in faster-whisper's default form; in sectors no other split covers (a
hotel group, a medical charity, a regional newspaper, a notary's office, a locksmith and plumber, a
market-research institute; a hotel and restaurant group, a heart charity, a gym chain, a local
newspaper, a solicitors' firm, a plumbing and locksmith firm, a market-research firm); read once,
then tuned on. ``heldout14`` was written blind by a thirteenth engineer, from yet another source:
HR and IT helpdesks inside companies (employee and payroll numbers, logins and usernames labelled
as identifiers, a colleague's or a manager's name and work e-mails labelled; ticket numbers,
hostnames, asset tags, software names, error codes and the firm's offices as hard negatives), civil
registries and register offices (birth, marriage and death certificates, parents' and maiden names,
"née …", "born …"; certificate and file numbers, the family record book and a town of birth said
apart from an address unlabelled), sports clubs' ticket offices and season passes (supporter and
member numbers labelled; seats, rows, blocks, gates, match dates and prices unlabelled), names that
are common words or trades ("Charpentier", "Page", "Berger", "Young", "Cooper", "Bell"; "Victoire",
"Mercy", "Temperance") beside the same words used as words, names mangled by ASR and then spelled
(the agent's wrong guess labelled too), and numbers in other groupings ("triple seven",
"double-oh", "a hundred and five"; "soixante-dix-sept", "quatre-vingt-onze", pairs against threes,
"six comme six"); about a third of its rows in faster-whisper's default form; in sectors no other
split covers (an HR shared-services centre, a group IT service desk, a town hall's civil registry,
a football club's ticket office; an HR shared-services centre, a group IT service desk, a register
office, a rugby club's ticket office); read once, then tuned on. ``heldout15`` was written blind
by a fourteenth engineer, from yet another source: universities and student services (student
numbers and university logins labelled, tutors' and supervisors' names, a student's term-time and
home addresses labelled; course and module codes, lecture rooms, exam dates and the university's
own buildings unlabelled), online marketplaces and apps (usernames, handles and logins labelled as
identifiers, sellers', buyers' and neighbours' names labelled; listing and order numbers, app and
feature names unlabelled), legal aid and victim support lines (an ex-partner's, a neighbour's, a
police officer's and a solicitor's names labelled, a safe contact number labelled; case, complaint
and crime references, courts' and police stations' addresses unlabelled), garages and roadside
assistance (membership numbers and the customer's home labelled; a breakdown on a public road or a
motorway, a garage's address and fault codes unlabelled; no vehicle registrations), Whisper's
hallucinated lines in silences as hard negatives, and self-repairs ("pardon", "sorry", "non
attendez", "sorry I mean") inside values; about a third of its rows in faster-whisper's default
form; in sectors no other split covers (a university's student services, an online marketplace, a
victim support and legal aid line, a roadside assistance club, in each language); read once,
then tuned on. ``heldout16`` was written blind by a fifteenth engineer, from yet another source:
veterinary clinics and pet insurers (owners' names, homes, phones, client and policy numbers
labelled; pets' names, also human first names, breeds, drugs and doses unlabelled; no microchip
numbers), gyms, leisure centres and swimming pools (membership numbers and instructors' names
labelled; class names, lockers, lanes, opening hours, prices and the centre's address unlabelled),
public transport (season-ticket and travel-card numbers labelled; lost items, stations, stops,
lines, platforms, bus and train numbers and journey times unlabelled), local councils
(council-tax, refuse and parking-permit account numbers, the caller's home and councillors' names
labelled; potholes, fly-tips and streetlights at public places, bin days, wards and the town hall's
address unlabelled), mobile phone shops and repairs (account numbers and a SIM's number labelled;
repair job numbers and handset models unlabelled; no IMEI, PIN or PUK codes); about a third of its
rows in faster-whisper's default form; in sectors no other split covers (a vet clinic, a pet
insurer, an aquatic and sports centre, a regional transport network, a town hall, a phone shop, in
each language); read once, then tuned on. ``heldout17`` was written blind by a
sixteenth engineer, from yet another source: energy and water suppliers' move-in, move-out and
meter calls (customer, account and meter numbers labelled, a meter serial or a supply point being
bound to what the customer holds; meter readings, tariffs, kWh and m³ figures, dates and amounts
unlabelled; the new and the old home and the landlord's or letting agent's name labelled),
recruitment agencies and job centres (candidates' details, candidate and jobseeker numbers
labelled; vacancy references, job titles, employers and their sites unlabelled), nurseries and
after-school clubs (children's and parents' names and family account numbers labelled; a child's
date of birth, rooms and groups unlabelled), parcel lockers and pick-up points (the caller's home
and the courier's first name labelled; tracking numbers, collection codes and the lockers' and
shops' locations unlabelled), names spelled with the NATO or French radio alphabet mixed with
plain letters, names with particles and apostrophes, compound first names and surnames that are
place names; about a third of its rows in faster-whisper's default form; in sectors no other
split's tenants cover under these names (an energy supplier, a water supplier, a recruitment
agency, a nursery, a parcel-locker network in each language, and a job centre); read once, then
tuned on. ``heldout18`` was written blind by a seventeenth engineer, from yet another source:
opticians (customers' and children's names, optometrists' and ophthalmologists' names, customer
and health-insurance member numbers labelled; prescriptions, lens figures, frame models named like
people, prices and the shop's address unlabelled), hearing-aid centres (elderly callers asking
for repeats, values said again across a "pardon ?", a spouse's or parent's details and a NIR
labelled; battery sizes, decibels, hearing-aid models, reimbursement classes and appointments
unlabelled), mortgage and consumer-credit brokers (borrowers, co-borrowers, guarantors, vendors
and notaries or conveyancers labelled, the home being bought and the one rented labelled; rates,
amounts, loan-to-value and debt ratios, lenders' branches and dates unlabelled), social housing
and housing associations' repair lines (tenants, neighbours, caretakers and the tradesman's first
name labelled, tenancy numbers labelled ID; repair job numbers, contractors, rents, slots,
communal faults and the local office unlabelled), a marina's harbour office and a self-storage
firm (berth holders, skippers and key holders labelled, berth contracts and storage accounts
labelled ID; boats' names, also first names, berths, tides, prices, units, gate codes and the
site unlabelled), nicknames said beside the formal name ("ninou enfin saturnin", "wilfie well
wilfrid"), names of many origins, house names and French, Breton, English and Irish address forms
(résidence, bâtiment and escalier, lieu-dit, hent, a townland and county with an Eircode), numbers
said in groups, "double", "treble", "soixante-dix" twice, e-mails dictated with "arobase", "at",
"dot", "tiret", "tiret du bas", "dash"; about a third of its rows in faster-whisper's default
form; in sectors no other split's tenants cover (an optician, a hearing-aid centre, a mortgage
broker, a social landlord's or housing association's repairs line in each language, a marina
and a self-storage firm); read once, then tuned on. ``heldout19`` was written blind by an
eighteenth engineer, from yet another source: wedding and event venues (couples, parents,
witnesses and planners labelled, booking references labelled ID; rooms named like people, packages,
prices, times, caterers' quote numbers and the venue's own address unlabelled), solar-panel
installers' warranty lines (the contract holder, a neighbour sharing the roof and the installer's
first name labelled, contract numbers and the inverter's serial labelled ID; panel and inverter
models, error codes, kWh figures, tariffs, slots and the depot unlabelled), private tutoring and
language schools (pupils, parents and tutors labelled, pupil and family numbers labelled ID;
courses, levels, marks, exam dates, prices and timetables unlabelled), a care home (residents,
their children, nurses and the doctor labelled, a resident's NIR labelled; daily fees, rooms,
activities and aid unlabelled), holiday cottages (the lead name, the party and the cleaner
labelled; cottages' names, key-safe codes, prices and local shops unlabelled), cemetery,
crematorium and bereavement offices (the deceased, the grave's holder, the family and the
stonemason labelled, concession and deed numbers labelled ID; grave sections, lease prices,
service times, funeral directors and the office unlabelled), a caller correcting the agent's
read-back ("non c'est c à la fin pas n", "no that's o not a"), names said with their origin
("c'est un nom béarnais", "it's a Welsh name"), values said by a third person in the background,
addresses given as directions then a house number, "zéro" said "o", letters+digits references,
e-mails with digits and dashes; about a third of its rows in faster-whisper's default form; in
sectors no other split's tenants cover (a wedding venue, a solar installer, a tutoring or language
school in each language, a care home, holiday cottages, a cemetery and crematorium office in each
language); read once, then tuned on. ``heldout20`` was written blind by a nineteenth engineer, from
yet another source: a clinical-trial volunteers' line and a blood-donor line (volunteers, donors,
family, research nurses and doctors and volunteer and donor numbers labelled; study codes, doses,
blood groups such as "o negative", haemoglobin, criteria and sessions unlabelled), chimney-sweep
and pest-control firms (customers, landlords, tenants, sweeps and customer and quote numbers
labelled; flues, products, prices and certificates unlabelled), music schools with instrument hire
(pupils, parents, teachers, repairers and hire agreements labelled; instruments, models,
composers, exams and lesson slots unlabelled), genealogy societies (members, ancestors, cousins,
volunteers and membership numbers labelled; archive references, years, occupations and software
unlabelled), coworking spaces (members, partners, interns, community managers and member numbers
labelled; offers, rooms, wifi, events and the second site's address unlabelled); numbers said
digit by digit with "o"/"oh" for zero, phone numbers with an international prefix, a value given
over two turns with the agent reading part back, surnames spelled with a radio alphabet mixed with
plain letters, addresses with "bis", "ter", a flat or a floor, postcodes said in words; about a
third of its rows in faster-whisper's default form; in sectors no other split's tenants cover, one
tenant per language with no declared id format; only measured, read only when named.
``heldout21`` was written blind by a twentieth engineer, from yet another source: allotment
societies (plot holders, neighbours, the secretary and the treasurer and membership numbers
labelled; plots, vegetable, fruit and flower varieties named like people such as "charlotte",
"belle de fontenay", "sweet williams", rents and work days unlabelled), riding schools and livery
yards (riders, parents, instructors, the farrier, the vet and rider and livery numbers labelled;
horses' and ponies' names, even human ones such as "gaspard" or "harvey", levels, kit, times and
prices unlabelled), florists' delivery lines (senders, recipients, the deceased of a funeral
order, drivers, names dictated for the card message, the recipient's home and customer accounts
labelled; bouquets and roses named like people, order references, occasions and prices
unlabelled), non-emergency patient transport (patients, carers, crews, the prescribing doctor,
the pick-up home, patient file and NHS numbers and a NIR labelled; hospitals named after a person,
vehicles, times and the emergency numbers unlabelled), children's holiday camps (children,
parents, people allowed to collect and the one who is not, leaders, the nurse, nicknames beside
first names and family numbers labelled; camps and soft toys named like people, ages, dates,
allergies and prices unlabelled); misheard surnames corrected then spelled, radio words mixed
with plain letters, numbers in French words, pairs and digit by digit, values across turns with
a backchannel inside, e-mails with "arobase"/"at", "tiret du bas", "underscore" and glued forms,
résidence, bâtiment, escalier, lieu-dit, UK flats, rooms and farms; about a third of its rows
in faster-whisper's default form; in sectors no other split's tenants cover, one tenant per
language with no declared id format; only measured, read only when named.
``HELDOUT2_SHA256`` to ``HELDOUT21_SHA256`` are the digests of their rows, checked by the tests.
People, tenants and sentences of one split never occur in another (unit tests check them).

Markup: ``[TYPE words]`` labels ``words`` (the brackets are dropped); `` | `` separates turns (the
row is the turns joined with one space, as the transcription step joins a call's segments).
A language of a split is one block (``tenant``, the types' lists, ``negatives``) or a list of
such blocks, one per tenant; its rows are numbered across its blocks.

Row fields, as in the other corpora: ``id``, ``language``, ``split``, ``tenant``, ``id_patterns``,
``kind`` (the family a positive row was written for, or the negative's kind), ``text``,
``entities`` = [{start, end, type}].

    .venv/bin/python bench/pii_speech.py            # counts per split, language and kind
    .venv/bin/python bench/pii_speech.py --write    # rewrites bench/data/pii_speech.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "bench" / "pii_speech.yaml"
CORPUS = ROOT / "bench" / "data" / "pii_speech.jsonl"
SPLITS = (
    "dev",
    "dev2",
    "heldout2",
    "heldout3",
    "heldout4",
    "heldout5",
    "heldout6",
    "heldout7",
    "heldout8",
    "heldout9",
    "heldout10",
    "heldout11",
    "heldout12",
    "heldout13",
    "heldout14",
    "heldout15",
    "heldout16",
    "heldout17",
    "heldout18",
    "heldout19",
    "heldout20",
    "heldout21",
)
LANGUAGES = ("fr", "en")
TYPES = ("NAME", "ADDRESS", "ID", "PHONE", "EMAIL", "CARD", "IBAN", "NIR")
#: sha256 of the heldout2 rows as first written (one JSON object per line, in file order).
HELDOUT2_SHA256 = "003ef3ebd0e3a6a36ddabfcca1bf20c49916078845c3a114720bf51508a8e08c"
#: sha256 of the heldout3 rows as first written (same form).
HELDOUT3_SHA256 = "57320083e84548c64cbac5a5b8bda99651a13ceaa6f869a06672ad4be690c127"
#: sha256 of the heldout4 rows as first written (same form).
HELDOUT4_SHA256 = "81fb52ff14109cf88087882e67298312299300c0d3c5fe4de72a63824a809213"
#: sha256 of the heldout5 rows as first written (same form).
HELDOUT5_SHA256 = "44dea7155acb068f78c99b433f3597f5e2f716df5f288ce6c2470e6859170e86"
#: sha256 of the heldout6 rows as first written (same form).
HELDOUT6_SHA256 = "685dca9fdc29c8185ed55b8cc861228842134e45ac2a75759f6174cd188ab00b"
#: sha256 of the heldout7 rows as first written (same form).
HELDOUT7_SHA256 = "8d893973768984889216a40f0c2e8b7b153802ed58bd61e96096a1089156e9a2"
#: sha256 of the heldout8 rows as first written (same form).
HELDOUT8_SHA256 = "d6a9837f5f0a5631421a4b8050f6b94bdf0e4ee72c273bbdbe4ac82b4802bec9"
#: sha256 of the heldout9 rows as first written (same form).
HELDOUT9_SHA256 = "97956abc738ec5ecbddc191e643dbe567ab49597d192aaa6374a154a7da652ad"
#: sha256 of the heldout10 rows as first written (same form).
HELDOUT10_SHA256 = "aa3f87f27fc4501ceabfe32d036fc27a8512b58979452e5b9f1910c1d7b969b6"
#: sha256 of the heldout11 rows as first written (same form).
HELDOUT11_SHA256 = "471b87686d366e1bbac53642fc7d8c46098b88a53d77ed9988d214028606b0f6"
#: sha256 of the heldout12 rows as first written (same form).
HELDOUT12_SHA256 = "1d0d240f5ceb2fffbd7d481466aade1f2e242cad112c2f2680155afb7671b9dc"
#: sha256 of the heldout13 rows as first written (same form).
HELDOUT13_SHA256 = "f230b111afa778ea707370552b4adbbe12db7077ee84146d0d3a5412a97129f7"
#: sha256 of the heldout14 rows as first written (same form).
HELDOUT14_SHA256 = "a6389628a9651c3101301ea9533274b7a75478b18c43c0d422d581ca32ecb3a4"
#: sha256 of the heldout15 rows as first written (same form).
HELDOUT15_SHA256 = "876a0fb7922750f1a563345293ad970526b7edc7d9d4e31329cc4c6b8d7b14eb"
#: sha256 of the heldout16 rows as first written (same form).
HELDOUT16_SHA256 = "9423e221b8324f6ccb087beee2d8fa78972e385249cc14f4179aa86f704aa1a6"
#: sha256 of the heldout17 rows as first written (same form).
HELDOUT17_SHA256 = "3ebf6895ec405ed11dc698b8f44c328bfc2be9f9a4f80e5ba1fb6cc1349d0cb4"
#: sha256 of the heldout18 rows as first written (same form).
HELDOUT18_SHA256 = "25f3d60dbd64ce81471074681ec4a04e16f597d54b721eed1812906b962e3388"
#: sha256 of the heldout19 rows as first written (same form).
HELDOUT19_SHA256 = "59383c3d4760687448c4c7ed8fa2a5081ab71a479d34ee6af8a2a58e0f64dcc2"
#: sha256 of the heldout20 rows as first written (same form).
HELDOUT20_SHA256 = "26de45de94cd9b13d810be40ce1d0e69d9b8fc373c1585602a64bdf5438791d4"
#: sha256 of the heldout21 rows as first written (same form).
HELDOUT21_SHA256 = "58371a87ee77b67f3d8a6dbd5e548aef59dc7a8a0a1e5fe40f8c193bc237b706"

_LABEL = re.compile(r"\[([A-Z]+) ([^\[\]]+)\]")


def parse(line: str) -> tuple[str, list[dict]]:
    """Text without markup, and its labels; raises on unknown types or stray brackets."""
    line = line.replace(" | ", " ")
    text, entities, pos = "", [], 0
    for m in _LABEL.finditer(line):
        if m.group(1) not in TYPES:
            raise ValueError(f"unknown type {m.group(1)!r} in {line!r}")
        text += line[pos : m.start()]
        start = len(text)
        text += m.group(2)
        entities.append({"start": start, "end": len(text), "type": m.group(1)})
        pos = m.end()
    text += line[pos:]
    if "[" in text or "]" in text or "|" in text:
        raise ValueError(f"stray markup in {line!r}")
    return text, entities


def rows_of(source: dict) -> list[dict]:
    rows = []
    for split in SPLITS:
        for language in LANGUAGES:
            blocks = source[split][language]
            items = []
            for spec in blocks if isinstance(blocks, list) else [blocks]:
                tenant = spec["tenant"]
                items += [(tenant, k, line) for k in TYPES for line in spec.get(k, [])]
                negatives = spec["negatives"].items()
                items += [(tenant, k, line) for k, lines in negatives for line in lines]
            for n, (tenant, kind, line) in enumerate(items, start=1):
                text, entities = parse(line)
                if (kind in TYPES) != bool(entities):
                    raise ValueError(f"{split}/{language}/{kind}: {line!r}")
                rows.append(
                    {
                        "id": f"{split}-{language}-{n:03d}",
                        "language": language,
                        "split": split,
                        "tenant": tenant["name"],
                        "id_patterns": list(tenant["id_patterns"]),
                        "kind": kind,
                        "text": text,
                        "entities": entities,
                    }
                )
    return rows


def split_digest(rows: list[dict], split: str) -> str:
    """sha256 of one split's rows, one JSON object per line, in file order."""
    held = [json.dumps(r, ensure_ascii=False) for r in rows if r["split"] == split]
    return hashlib.sha256("\n".join(held).encode()).hexdigest()


def heldout2_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout2")


def heldout3_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout3")


def heldout4_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout4")


def heldout5_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout5")


def heldout6_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout6")


def heldout7_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout7")


def heldout8_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout8")


def heldout9_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout9")


def heldout10_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout10")


def heldout11_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout11")


def heldout12_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout12")


def heldout13_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout13")


def heldout14_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout14")


def heldout15_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout15")


def heldout16_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout16")


def heldout17_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout17")


def heldout18_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout18")


def heldout19_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout19")


def heldout20_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout20")


def heldout21_digest(rows: list[dict]) -> str:
    return split_digest(rows, "heldout21")


#: Fillers inside a labelled name ("xabi euh etxeberria") and the article of "le goff".
_NOT_NAME_WORDS = {"euh", "uh", "le"}
_NAME_WORD = re.compile(r"[^\W\d_]{2,}(?:['-][^\W\d_]+)*")
#: The splits tuned on: a held-out row that shares a name word with them is not unseen.
TUNED = ("dev", "dev2")


def name_words(rows: list[dict]) -> set[str]:
    """The words of the NAME spans of ``rows``, lower case, fillers aside."""
    words: set[str] = set()
    for row in rows:
        for e in row["entities"]:
            if e["type"] == "NAME":
                said = row["text"][e["start"] : e["end"]].lower()
                words |= set(_NAME_WORD.findall(said)) - _NOT_NAME_WORDS
    return words


def unseen(rows: list[dict], tuned: list[dict]) -> list[dict]:
    """``rows`` less those that name someone with a name word of ``tuned`` (the rows tuned on):
    what a held-out split measures of names no rule was fitted to."""
    seen = name_words(tuned)
    return [r for r in rows if not name_words([r]) & seen]


def load(path: Path = CORPUS) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]


def build() -> list[dict]:
    return rows_of(yaml.safe_load(SOURCE.read_text(encoding="utf-8")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite bench/data/pii_speech.jsonl")
    args = parser.parse_args()
    rows = build()
    if args.write:
        CORPUS.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    counts = Counter((r["split"], r["language"], r["kind"]) for r in rows)
    spans = Counter((r["split"], e["type"]) for r in rows for e in r["entities"])
    for key in sorted(counts):
        print(*key, counts[key])
    for key in sorted(spans):
        print("spans", *key, spans[key])
    print("heldout2 digest", heldout2_digest(rows))
    print("heldout3 digest", heldout3_digest(rows))
    print("heldout4 digest", heldout4_digest(rows))
    print("heldout5 digest", heldout5_digest(rows))
    print("heldout6 digest", heldout6_digest(rows))
    print("heldout7 digest", heldout7_digest(rows))
    print("heldout8 digest", heldout8_digest(rows))
    print("heldout9 digest", heldout9_digest(rows))
    print("heldout10 digest", heldout10_digest(rows))
    print("heldout11 digest", heldout11_digest(rows))
    print("heldout12 digest", heldout12_digest(rows))
    print("heldout13 digest", heldout13_digest(rows))
    print("heldout14 digest", heldout14_digest(rows))
    print("heldout15 digest", heldout15_digest(rows))
    print("heldout16 digest", heldout16_digest(rows))
    print("heldout17 digest", heldout17_digest(rows))
    print("heldout18 digest", heldout18_digest(rows))
    print("heldout19 digest", heldout19_digest(rows))
    print("heldout20 digest", heldout20_digest(rows))
    print("heldout21 digest", heldout21_digest(rows))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
